# Adopt an existing certificate as the current one:
terraform import apigw_rotating_client_certificate.payments abcd12

# Or adopt a current and a previous certificate (the previous one is retired
# `overlap` after the import):
terraform import apigw_rotating_client_certificate.payments abcd12,wxyz98
