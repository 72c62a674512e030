{{/* Name of every object: the release name unless overridden, truncated to 63 characters. */}}
{{- define "service.fullname" -}}
{{- default .Release.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: fixed by release, never user labels (a Deployment's selector is immutable). */}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "service.fullname" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The label the platform's `services` Fargate profile selects (config/fargate.py, SERVICE_POD_LABEL).
Set after podLabels and never taken from them: without it a pod has no node to run on. */}}
{{- define "service.fargateLabels" -}}
tap.platform/compute: fargate
{{- end -}}

{{- define "service.labels" -}}
{{ include "service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "service.image" -}}
{{- if .Values.image.digest -}}
{{ printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* Rules across fields, which values.schema.json cannot express. Each names the fields. */}}
{{- define "service.validate" -}}
{{- $a := .Values.autoscaling -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "autoscaling.minReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- if ge (int .Values.podDisruptionBudget.minAvailable) (int $a.minReplicas) -}}
{{- fail (printf "podDisruptionBudget.minAvailable (%d) must be below autoscaling.minReplicas (%d), or no pod could ever be evicted and node maintenance would stall" (int .Values.podDisruptionBudget.minAvailable) (int $a.minReplicas)) -}}
{{- end -}}
{{- $s := .Values.shutdown -}}
{{- if le (int $s.preStopSleepSeconds) (int $s.deregistrationDelaySeconds) -}}
{{- fail (printf "shutdown.preStopSleepSeconds (%d) must exceed shutdown.deregistrationDelaySeconds (%d), or the pod stops while the load balancer still sends it requests" (int $s.preStopSleepSeconds) (int $s.deregistrationDelaySeconds)) -}}
{{- end -}}
{{- if le (int $s.terminationGracePeriodSeconds) (int $s.preStopSleepSeconds) -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%d) must exceed shutdown.preStopSleepSeconds (%d), or the pod is killed before it can shut down" (int $s.terminationGracePeriodSeconds) (int $s.preStopSleepSeconds)) -}}
{{- end -}}
{{- if and (not .Values.ingress.certificateArn) (eq .Values.ingress.scheme "internet-facing") .Values.ingress.enabled -}}
{{- fail "ingress.certificateArn: an internet-facing ingress must serve HTTPS; set an ACM certificate ARN" -}}
{{- end -}}
{{- include "service.validateSize" . -}}
{{- include "service.validateRollout" . -}}
{{- end -}}

{{/* A rollout must fit its release's Helm timeout (docs/runtime.md, "Rollouts"): maxSurge is a percentage,
     which Kubernetes rounds up, so a wave starts ceil(maxReplicas * percent / 100) pods and the
     largest rollout takes ceil(maxReplicas / surge) waves of podStartSeconds each. */}}
{{- define "service.validateRollout" -}}
{{- $r := .Values.rollout -}}
{{- $p := .Values.probes -}}
{{- $max := int .Values.autoscaling.maxReplicas -}}
{{- $surge := div (add (mul $max (int $r.maxSurgePercent)) 99) 100 -}}
{{- $waves := div (add $max $surge -1) $surge -}}
{{- $rollout := mul $waves (int $r.podStartSeconds) -}}
{{- /* readiness (first probe after the initial delay) and two ALB health checks 15 s apart (the controller's defaults) */ -}}
{{- $floor := add (int $p.initialDelaySeconds) (int $p.periodSeconds) 30 -}}
{{- if le (int $r.podStartSeconds) $floor -}}
{{- fail (printf "rollout.podStartSeconds (%d) must exceed probes.initialDelaySeconds + probes.periodSeconds + 30 (%d): readiness and two load balancer health checks 15 s apart take that long before Fargate has even started the pod" (int $r.podStartSeconds) $floor) -}}
{{- end -}}
{{- if gt $rollout 3300 -}}
{{- fail (printf "rollout.maxSurgePercent (%d): autoscaling.maxReplicas (%d), %d per wave, is %d waves of rollout.podStartSeconds (%d), %d s; with 300 s for a first install's load balancer that is beyond the 3600 s a release may wait: raise the percentage" (int $r.maxSurgePercent) $max $surge $waves (int $r.podStartSeconds) $rollout) -}}
{{- end -}}
{{- if and (gt (int $r.timeoutSeconds) 0) (lt (int $r.timeoutSeconds) $rollout) -}}
{{- fail (printf "rollout.timeoutSeconds (%d) must cover the largest rollout: autoscaling.maxReplicas (%d), %d per wave (rollout.maxSurgePercent %d), is %d waves of rollout.podStartSeconds (%d), %d s" (int $r.timeoutSeconds) $max $surge (int $r.maxSurgePercent) $waves (int $r.podStartSeconds) $rollout) -}}
{{- end -}}
{{- end -}}

{{/* Quantities compared in whole units: CPU in millicores ('0.5' = 500m), memory in MiB (1Gi = 1024Mi).
     The schema allows only these units, so the comparison is exact. */}}
{{- define "service.millicores" -}}
{{- if hasSuffix "m" . -}}{{ trimSuffix "m" . | int }}{{- else -}}{{ mulf (float64 .) 1000 | int }}{{- end -}}
{{- end -}}
{{- define "service.mebibytes" -}}
{{- if hasSuffix "Gi" . -}}{{ mul (trimSuffix "Gi" . | int) 1024 }}{{- else -}}{{ trimSuffix "Mi" . | int }}{{- end -}}
{{- end -}}

{{/* What Fargate can run: at most 16 vCPU and 120Gi per pod, of which Fargate takes 256Mi for the kubelet,
     kube-proxy and containerd before sizing the pod (EKS user guide, "Fargate Pod configuration";
     workloads/data/fargate_facts.json); and a request no larger than its limit. */}}
{{- define "service.validateSize" -}}
{{- $r := .Values.resources -}}
{{- $cpu := include "service.millicores" $r.requests.cpu | int -}}
{{- $request := include "service.mebibytes" $r.requests.memory | int -}}
{{- $limit := include "service.mebibytes" $r.limits.memory | int -}}
{{- if or (gt $cpu 16000) (lt $cpu 1) -}}
{{- fail (printf "resources.requests.cpu (%s) must be from 1m to 16 (Fargate runs at most 16 vCPU per pod)" $r.requests.cpu) -}}
{{- end -}}
{{- if gt $request 122624 -}}
{{- fail (printf "resources.requests.memory (%s) must be at most 122624Mi: Fargate adds 256Mi for its Kubernetes components to a pod's request and runs at most 120Gi per pod, so a larger request finds no Fargate size and the pod stays Pending" $r.requests.memory) -}}
{{- end -}}
{{- if gt $limit 122880 -}}
{{- fail (printf "resources.limits.memory (%s) must be at most 120Gi (Fargate runs at most 120 GiB per pod)" $r.limits.memory) -}}
{{- end -}}
{{- if gt $request $limit -}}
{{- fail (printf "resources.requests.memory (%s) must not exceed resources.limits.memory (%s)" $r.requests.memory $r.limits.memory) -}}
{{- end -}}
{{- end -}}
