# <rest_api_id>/<stage_name>
terraform import apigw_stage_client_certificate.orders_prod a1b2c3d4e5/prod
