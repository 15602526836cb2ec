"""Every REST API operation of the emulator, driven by boto3 (an independent client).

Run by tests/boto3.rs with: EMULATOR_URL, BACKEND (host:port of an HTTPS backend that
trusts TRUSTED_CERT only), TRUSTED_CERT and UNTRUSTED_CERT (client certificate ids).
Prints the operations it exercised as JSON on the last line; any failed check raises.
"""

import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore.config
from botocore.exceptions import ClientError

URL = os.environ["EMULATOR_URL"]
BACKEND = os.environ["BACKEND"]
TRUSTED = os.environ["TRUSTED_CERT"]
UNTRUSTED = os.environ["UNTRUSTED_CERT"]
done = []


def client(region="us-east-1"):
    return boto3.client(
        "apigateway",
        endpoint_url=URL,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, proxies={}),
    )


def op(name, result=None):
    done.append(name)
    return result


def expect_error(code, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {e}"
        return e
    raise AssertionError(f"expected {code} from {fn.__name__}")


def invoke(api_id, stage, path):
    req = urllib.request.Request(f"{URL}/restapis/{api_id}/{stage}/_user_request_{path}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


ag = client()
api = op("CreateRestApi", ag.create_rest_api(name="boto3", description="driven by boto3"))
api_id = api["id"]
assert op("GetRestApi", ag.get_rest_api(restApiId=api_id))["name"] == "boto3"
assert any(a["id"] == api_id for a in op("GetRestApis", ag.get_rest_apis())["items"])

resources = op("GetResources", ag.get_resources(restApiId=api_id))["items"]
assert [r["path"] for r in resources] == ["/"], resources
root = resources[0]["id"]
assert root == api["rootResourceId"]
health = op("CreateResource", ag.create_resource(restApiId=api_id, parentId=root, pathPart="health"))
assert health["path"] == "/health" and health["parentId"] == root
expect_error("ConflictException", ag.create_resource, restApiId=api_id, parentId=root, pathPart="health")
assert op("GetResource", ag.get_resource(restApiId=api_id, resourceId=health["id"]))["pathPart"] == "health"
expect_error("NotFoundException", ag.get_resource, restApiId=api_id, resourceId="nope00")

m = op("PutMethod", ag.put_method(restApiId=api_id, resourceId=health["id"], httpMethod="GET",
                                  authorizationType="NONE"))
assert m["httpMethod"] == "GET" and m["apiKeyRequired"] is False
expect_error("ConflictException", ag.put_method, restApiId=api_id, resourceId=health["id"],
             httpMethod="GET", authorizationType="NONE")
integration = op("PutIntegration", ag.put_integration(
    restApiId=api_id, resourceId=health["id"], httpMethod="GET", type="HTTP_PROXY",
    integrationHttpMethod="GET", uri="https://${stageVariables.backend}/healthz"))
assert integration["timeoutInMillis"] == 29000 and integration["connectionType"] == "INTERNET"
got = op("GetIntegration", ag.get_integration(restApiId=api_id, resourceId=health["id"], httpMethod="GET"))
assert got["uri"] == "https://${stageVariables.backend}/healthz"
method = op("GetMethod", ag.get_method(restApiId=api_id, resourceId=health["id"], httpMethod="GET"))
assert method["methodIntegration"]["type"] == "HTTP_PROXY"
embedded = ag.get_resources(restApiId=api_id, embed=["methods"])["items"]
assert any("GET" in r.get("resourceMethods", {}) for r in embedded)

dep = op("CreateDeployment", ag.create_deployment(restApiId=api_id, description="v1"))
assert op("GetDeployment", ag.get_deployment(restApiId=api_id, deploymentId=dep["id"]))["description"] == "v1"
assert [d["id"] for d in op("GetDeployments", ag.get_deployments(restApiId=api_id))["items"]] == [dep["id"]]
stage = op("CreateStage", ag.create_stage(restApiId=api_id, stageName="prod", deploymentId=dep["id"],
                                          variables={"backend": BACKEND}))
assert stage["variables"] == {"backend": BACKEND}
stage = op("UpdateStage", ag.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
    {"op": "replace", "path": "/clientCertificateId", "value": TRUSTED}]))
assert stage["clientCertificateId"] == TRUSTED
assert op("GetStage", ag.get_stage(restApiId=api_id, stageName="prod"))["clientCertificateId"] == TRUSTED
assert [s["stageName"] for s in op("GetStages", ag.get_stages(restApiId=api_id))["item"]] == ["prod"]

status, body = invoke(api_id, "prod", "/health")
assert status == 200, (status, body)
assert body["path"] == "/healthz", body
done.append("Invoke")

ok = op("TestInvokeMethod", ag.test_invoke_method(
    restApiId=api_id, resourceId=health["id"], httpMethod="GET", pathWithQueryString="/health",
    stageVariables={"backend": BACKEND}, clientCertificateId=TRUSTED))
assert ok["status"] == 200, ok["log"]
assert "Method completed with status: 200" in ok["log"]
assert isinstance(ok["latency"], int) and "headers" in ok
refused = ag.test_invoke_method(
    restApiId=api_id, resourceId=health["id"], httpMethod="GET", pathWithQueryString="/health",
    stageVariables={"backend": BACKEND}, clientCertificateId=UNTRUSTED)
assert refused["status"] == 502, refused
assert json.loads(refused["body"]) == {"message": "Internal server error"}
assert "Execution failed due to configuration error" in refused["log"], refused["log"]

# Regions are apart: another region does not see this API.
expect_error("NotFoundException", client("eu-west-1").get_rest_api, restApiId=api_id)

expect_error("BadRequestException", ag.delete_deployment, restApiId=api_id, deploymentId=dep["id"])
op("DeleteStage", ag.delete_stage(restApiId=api_id, stageName="prod"))
op("DeleteDeployment", ag.delete_deployment(restApiId=api_id, deploymentId=dep["id"]))
op("DeleteIntegration", ag.delete_integration(restApiId=api_id, resourceId=health["id"], httpMethod="GET"))
expect_error("NotFoundException", ag.get_integration, restApiId=api_id, resourceId=health["id"], httpMethod="GET")
op("DeleteMethod", ag.delete_method(restApiId=api_id, resourceId=health["id"], httpMethod="GET"))
op("DeleteResource", ag.delete_resource(restApiId=api_id, resourceId=health["id"]))
expect_error("BadRequestException", ag.delete_resource, restApiId=api_id, resourceId=root)
op("DeleteRestApi", ag.delete_rest_api(restApiId=api_id))
expect_error("NotFoundException", ag.get_rest_api, restApiId=api_id)

print(json.dumps({"operations": done}))
sys.stdout.flush()
