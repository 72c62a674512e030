"""The platform layer: network, EKS on Fargate, IRSA, ECR, add-ons, secrets and log groups.

Named `eks_platform`, not `platform`: a top-level package called `platform` would shadow the
standard library's `platform` module, which boto3, `uuid` and jsii import.
"""

from app_support import provider_bindings

provider_bindings.install("cdktf_cdktf_provider_aws")
