"""The cdktf app support both layers stand on.

- `readable_stack`: the stack base class (readable Terraform ids, checkov suppressions beside the resource);
- `checkov_skips`: how a suppression and its reason are written and read back;
- `terraform_state`: where each layer keeps its state, and how the workloads layer reads the platform's;
- `stack_names`: the stack names every tool agrees on;
- `provider_bindings`: imports only the provider modules a stack uses (the synth's speed).
"""
