"""Stack names, shared by the stacks, the scripts that run Terraform on them, and the tests."""


def platform_stack_name(environment: str) -> str:
    return f"tap-platform-{environment}"


def workloads_stack_name(environment: str) -> str:
    return f"tap-workloads-{environment}"
