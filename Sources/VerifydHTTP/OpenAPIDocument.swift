// Generated from openapi.yaml by scripts/embed-openapi.sh; a test keeps the two identical.

/// The OpenAPI document served at `GET /openapi.yaml`.
enum OpenAPIDocument {
    static let text = #"""
# verifyd API (OpenAPI 3.0). Written in JSON syntax, which is valid YAML, so tests read it without a YAML parser.
{
 "openapi": "3.0.3",
 "info": {
  "title": "verifyd",
  "version": "1.0.0",
  "description": "Fresns verification codes: send-verify-code (public) and check-verify-code (internal). Business errors are HTTP 200 with the Fresns code in the envelope."
 },
 "servers": [
  {
   "url": "http://127.0.0.1:8080"
  }
 ],
 "paths": {
  "/api/v2/common/send-verify-code": {
   "post": {
    "operationId": "sendVerifyCode",
    "summary": "Send a verification code by email or SMS",
    "parameters": [
     {
      "name": "X-Fresns-Aid",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 64
      }
     },
     {
      "name": "X-Fresns-Aid-Token",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 256
      }
     },
     {
      "name": "X-Fresns-Uid",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "X-Fresns-Uid-Token",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "X-Fresns-Client-Lang-Tag",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 35
      },
      "description": "message language: en, zh-Hans, zh-Hant (zh-CN, zh-TW… mapped), else en"
     },
     {
      "name": "X-Fresns-App-Id",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      },
      "description": "signature (VERIFYD_SIGNATURE=on)"
     },
     {
      "name": "X-Fresns-Client-Platform-Id",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "X-Fresns-Client-Version",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "X-Fresns-Signature",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "X-Fresns-Signature-Timestamp",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "name": "X-Request-Id",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 128
      }
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/SendRequest"
       },
       "examples": {
        "email": {
         "summary": "useType 5, email",
         "value": {
          "type": "email",
          "useType": 5,
          "templateId": 1,
          "account": "openapi-example@example.com"
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 0
         }
        },
        "sms": {
         "summary": "useType 5, SMS",
         "value": {
          "type": "sms",
          "useType": 5,
          "templateId": 7,
          "account": "13800138000",
          "countryCode": 86
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 0
         }
        },
        "missing": {
         "summary": "templateId missing",
         "value": {
          "type": "email",
          "useType": 5,
          "account": "a@example.com"
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 30001
         }
        },
        "badEmail": {
         "summary": "invalid email",
         "value": {
          "type": "email",
          "useType": 5,
          "templateId": 1,
          "account": "not-an-email"
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 34101
         }
        },
        "notLoggedIn": {
         "summary": "useType 4 without login",
         "value": {
          "type": "email",
          "useType": 4,
          "templateId": 4
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 31501
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Fresns envelope; code 0 = queued. 33201 comes with Retry-After.",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              0,
              30000,
              30001,
              31301,
              31302,
              31303,
              31304,
              31501,
              31502,
              31503,
              31505,
              32100,
              33200,
              33201,
              34101,
              34102,
              34103,
              34110,
              34205,
              34206,
              34301,
              34401,
              34402
             ]
            }
           }
          }
         ]
        }
       }
      },
      "headers": {
       "X-Request-Id": {
        "$ref": "#/components/headers/RequestId"
       },
       "X-Verifyd-Code": {
        "$ref": "#/components/headers/Code"
       }
      }
     },
     "413": {
      "description": "body over 16 KiB",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39413
             ]
            }
           }
          }
         ]
        }
       }
      }
     },
     "503": {
      "description": "Redis unreachable or too slow; retry",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39503
             ]
            }
           }
          }
         ]
        }
       }
      },
      "headers": {
       "Retry-After": {
        "description": "seconds",
        "schema": {
         "type": "integer"
        }
       }
      }
     }
    }
   }
  },
  "/internal/v1/check-verify-code": {
   "post": {
    "operationId": "checkVerifyCode",
    "summary": "Check (and consume) a code — service to service",
    "security": [
     {
      "internalToken": []
     }
    ],
    "parameters": [
     {
      "name": "X-Fresns-Client-Lang-Tag",
      "in": "header",
      "required": false,
      "schema": {
       "type": "string",
       "maxLength": 35
      },
      "description": "message language: en, zh-Hans, zh-Hant (zh-CN, zh-TW… mapped), else en"
     }
    ],
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CheckRequest"
       },
       "examples": {
        "wrong": {
         "summary": "no such code",
         "value": {
          "type": "email",
          "account": "a@example.com",
          "templateId": 1,
          "verifyCode": "123456"
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 33203
         }
        },
        "empty": {
         "summary": "empty code",
         "value": {
          "type": "email",
          "account": "a@example.com",
          "templateId": 1,
          "verifyCode": ""
         },
         "x-verifyd-expect": {
          "status": 200,
          "code": 33202
         }
        }
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "0 = matched and consumed; 33203 = wrong, expired, used or none",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              0,
              30000,
              30001,
              33202,
              33203,
              34101,
              34102,
              34103
             ]
            }
           }
          }
         ]
        }
       }
      },
      "headers": {
       "X-Request-Id": {
        "$ref": "#/components/headers/RequestId"
       },
       "X-Verifyd-Code": {
        "$ref": "#/components/headers/Code"
       }
      }
     },
     "401": {
      "description": "missing or wrong bearer token",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39401
             ]
            }
           }
          }
         ]
        }
       }
      }
     },
     "404": {
      "description": "route off: no VERIFYD_INTERNAL_TOKEN",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39404
             ]
            }
           }
          }
         ]
        }
       }
      }
     },
     "413": {
      "description": "body over 16 KiB",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39413
             ]
            }
           }
          }
         ]
        }
       }
      }
     },
     "503": {
      "description": "Redis unreachable or too slow; retry",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39503
             ]
            }
           }
          }
         ]
        }
       }
      },
      "headers": {
       "Retry-After": {
        "description": "seconds",
        "schema": {
         "type": "integer"
        }
       }
      }
     }
    }
   }
  },
  "/health/live": {
   "get": {
    "operationId": "live",
    "summary": "The process answers (no Redis call)",
    "responses": {
     "200": {
      "description": "live",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Envelope"
        }
       }
      }
     }
    }
   }
  },
  "/health/ready": {
   "get": {
    "operationId": "ready",
    "summary": "Redis connected and not stopping",
    "responses": {
     "200": {
      "description": "ready",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Envelope"
        }
       }
      }
     },
     "503": {
      "description": "not ready",
      "content": {
       "application/json": {
        "schema": {
         "allOf": [
          {
           "$ref": "#/components/schemas/Envelope"
          },
          {
           "properties": {
            "code": {
             "enum": [
              39503
             ]
            }
           }
          }
         ]
        }
       }
      }
     }
    }
   }
  },
  "/metrics": {
   "get": {
    "operationId": "metrics",
    "summary": "Prometheus text format (not exposed by the load balancer)",
    "responses": {
     "200": {
      "description": "metrics",
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.yaml": {
   "get": {
    "operationId": "openapi",
    "summary": "This document",
    "responses": {
     "200": {
      "description": "OpenAPI 3 (JSON syntax, valid YAML)",
      "content": {
       "application/yaml": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  }
 },
 "components": {
  "securitySchemes": {
   "internalToken": {
    "type": "http",
    "scheme": "bearer",
    "description": "VERIFYD_INTERNAL_TOKEN"
   }
  },
  "headers": {
   "RequestId": {
    "description": "the request id (incoming or generated)",
    "schema": {
     "type": "string"
    }
   },
   "Code": {
    "description": "the envelope code",
    "schema": {
     "type": "string"
    }
   }
  },
  "schemas": {
   "Envelope": {
    "type": "object",
    "required": [
     "code",
     "message",
     "data"
    ],
    "properties": {
     "code": {
      "type": "integer"
     },
     "message": {
      "type": "string"
     },
     "data": {
      "nullable": true
     }
    }
   },
   "SendRequest": {
    "type": "object",
    "required": [
     "type",
     "useType",
     "templateId"
    ],
    "properties": {
     "type": {
      "type": "string",
      "enum": [
       "email",
       "sms"
      ]
     },
     "useType": {
      "oneOf": [
       {
        "type": "integer",
        "minimum": 1,
        "maximum": 5
       },
       {
        "type": "string",
        "pattern": "^[1-5]$"
       }
      ],
      "description": "1 new account, 2 existing account, 3 fill in blank, 4 authentication, 5 direct"
     },
     "templateId": {
      "oneOf": [
       {
        "type": "integer",
        "minimum": 1,
        "maximum": 8
       },
       {
        "type": "string",
        "pattern": "^[1-8]$"
       }
      ]
     },
     "account": {
      "type": "string",
      "description": "email or national phone number; required for useType 1, 2, 3, 5; ignored for 4"
     },
     "countryCode": {
      "oneOf": [
       {
        "type": "integer",
        "minimum": 1,
        "maximum": 999
       },
       {
        "type": "string",
        "pattern": "^[0-9]{1,3}$"
       }
      ],
      "description": "required for sms except useType 4"
     }
    }
   },
   "CheckRequest": {
    "type": "object",
    "required": [
     "type",
     "account",
     "templateId"
    ],
    "properties": {
     "type": {
      "type": "string",
      "enum": [
       "email",
       "sms"
      ]
     },
     "account": {
      "type": "string"
     },
     "countryCode": {
      "oneOf": [
       {
        "type": "integer"
       },
       {
        "type": "string"
       }
      ]
     },
     "templateId": {
      "oneOf": [
       {
        "type": "integer",
        "minimum": 1,
        "maximum": 8
       },
       {
        "type": "string"
       }
      ]
     },
     "verifyCode": {
      "type": "string"
     }
    }
   }
  }
 }
}
"""#
}
