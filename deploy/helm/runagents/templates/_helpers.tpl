{{- define "runagents.env" -}}
- name: RUNAGENTS_MODE
  value: distributed
- name: RUNAGENTS_PLATFORM_URL
  value: {{ .Values.platformUrl | quote }}
- name: RUNAGENTS_DATA_DIR
  value: /var/lib/runagents
{{- range $name, $_ := .Values.services }}
- name: RUNAGENTS_{{ upper $name }}_URL
  value: "http://runagents-{{ $name }}:8000"
{{- end }}
envFrom:
  - secretRef:
      name: {{ .Values.existingSecret }}
{{- end -}}
