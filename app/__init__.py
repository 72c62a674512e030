"""The app's composition, above both layers: it imports `eks_platform` and `workloads` (and
`app_support`, which both stand on) and nothing below imports it.

- `synthesis`: synthesizes an environment's stacks in parallel processes and merges them as one App would.
"""
