"""The workloads layer: what makes the cluster usable, installed with the Kubernetes and Helm providers."""

from app_support import provider_bindings

provider_bindings.install("cdktf_cdktf_provider_kubernetes")
provider_bindings.install("cdktf_cdktf_provider_helm")
