# Adopt an existing certificate as the current one of a series
# (`terraform plan` shows the import; `apply` records it):
import {
  to = apigw_rotating_client_certificate.payments
  id = "abcd12"
}

# Or adopt a current and a previous certificate; the previous one is retired
# `overlap` after the import:
#
# import {
#   to = apigw_rotating_client_certificate.payments
#   id = "abcd12,wxyz98"
# }
