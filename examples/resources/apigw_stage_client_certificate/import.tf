# Take over the certificate attachment of an existing stage
# (id: <rest_api_id>/<stage_name>):
import {
  to = apigw_stage_client_certificate.orders_prod
  id = "a1b2c3d4e5/prod"
}
