"""The platform layer: network, EKS on Fargate, IRSA, ECR, add-ons, secrets and log groups."""

import provider_bindings

provider_bindings.install("cdktf_cdktf_provider_aws")
