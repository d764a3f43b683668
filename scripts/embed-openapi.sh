#!/usr/bin/env bash
# Regenerates Sources/VerifydHTTP/OpenAPIDocument.swift from openapi.yaml (the binary serves it).
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo '// Generated from openapi.yaml by scripts/embed-openapi.sh; a test keeps the two identical.'
  echo
  echo '/// The OpenAPI document served at `GET /openapi.yaml`.'
  echo 'enum OpenAPIDocument {'
  echo '    static let text = #"""'
  cat openapi.yaml
  echo '"""#'
  echo '}'
} > Sources/VerifydHTTP/OpenAPIDocument.swift
