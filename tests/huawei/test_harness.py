"""The harness itself: the seed's account is there and the SDK reaches the server with a token."""
from huaweicloudsdkiam.v3 import KeystoneListProjectsRequest

from conftest import DOMAIN_ID, REGION, REGION_PROJECT_ID, token_client


def test_region_project_listed_by_name_with_a_token(server):
    client = token_client(server, server.token())
    resp = client.keystone_list_projects(KeystoneListProjectsRequest(name=REGION))
    assert [(p.id, p.domain_id) for p in resp.projects] == [(REGION_PROJECT_ID, DOMAIN_ID)]


def test_every_response_carries_a_request_id(server):
    status, headers, _ = server.request("GET", "/v3")
    assert status == 200
    assert headers.get("X-Request-Id", "").startswith("req-")


def test_huawei_paths_answer_huawei_errors(server):
    status, headers, body = server.request("GET", "/v3.0/OS-NOPE/things")
    assert status == 404
    assert body["error_code"] == "IAM.0004", body
    assert headers.get("X-Request-Id")
    status, _, body = server.request("GET", "/v3/nope")
    assert status == 404 and body["error"]["code"] == 404
