"""The inputs of engine_cases.json: run this, then record_engine.py."""
import os
import json
C = []
def case(name, version, rules, assertion, **kw):
    c = {"name": name, "version": version, "mapping": {"rules": rules}, "assertion": assertion}
    c.update(kw); C.append(c)
R = lambda local, remote: {"local": local, "remote": remote}
U = {"user": {"name": "{0}"}}
A = [["UserName", "bob"]]
P = lambda name, *roles, **kw: dict({"name": name, "roles": [{"name": r} for r in roles]}, **kw)
case("v1_library_basic", "1.0", [R([U, {"group": {"id": "g"}}], [{"type": "UserName"}])], A)
case("v2_user_domain_from_mapping", "2.0", [R([U, {"domain": {"id": "d1"}}], [{"type": "UserName"}])], A)
case("v2_user_domain_absent_is_null", "2.0", [R([U], [{"type": "UserName"}])], A)
case("v2_user_own_domain_kept", "2.0", [R([{"user": {"name": "{0}", "domain": {"name": "own"}}, "domain": {"id": "d1"}}], [{"type": "UserName"}])], A)
case("v2_user_empty_domain_replaced_in_place", "2.0", [R([{"user": {"domain": {}, "name": "{0}"}, "domain": {"id": "d1"}}], [{"type": "UserName"}])], A)
case("v2_domain_from_last_identity_value", "2.0", [R([U, {"domain": {"id": "d1"}}], [{"type": "UserName"}]), R([{"group": {"id": "g"}}], [{"type": "UserName"}])], A)
case("v2_projects_default_domain", "2.0", [R([U, {"projects": [P("p1", "member"), P("p2", "reader", domain={"name": "own"})], "domain": {"id": "d1"}}], [{"type": "UserName"}])], A)
case("v2_projects_without_domain_null", "2.0", [R([U, {"projects": [P("{0}-p", "member")]}], [{"type": "UserName"}])], A)
case("v2_groups_with_domain", "2.0", [R([U, {"groups": "{1}", "domain": {"name": "D"}}], [{"type": "UserName"}, {"type": "G"}])], A + [["G", "a;b"]])
case("v2_projects_json_rejected", "2.0", [R([U, {"projects_json": "{0}"}], [{"type": "UserName"}])], A)
case("v2_no_match", "2.0", [R([U], [{"type": "Nope"}])], A)
PJ = '[{"name": "pj", "roles": [{"name": "member"}]}]'
case("v3_projects_json_braced", "3.0", [R([U, {"projects_json": "{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", PJ]])
case("v3_projects_json_bare_index", "3.0", [R([U, {"projects_json": "1"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", PJ]])
case("v3_projects_json_bad_pattern", "3.0", [R([U, {"projects_json": "x{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", PJ]])
case("v3_projects_json_index_out_of_range", "3.0", [R([U, {"projects_json": "{5}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", PJ]])
case("v3_projects_json_not_json", "3.0", [R([U, {"projects_json": "{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", "nope"]], loose=True)
case("v3_projects_json_schema_errors", "3.0", [R([U, {"projects_json": "{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", '[{"name": 1, "extra": true}, "x"]']])
case("v3_projects_json_split_on_semicolon", "3.0", [R([U, {"projects_json": "{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", '[{"name": "a;b", "roles": []}]']])
case("v3_projects_json_with_mapping_domain", "3.0", [R([U, {"projects_json": "{1}", "domain": {"id": "d3"}}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", '[{"name": "p", "roles": [], "domain": {"name": "own"}}, {"name": "q", "roles": []}]']])
case("v3_projects_and_projects_json_combined", "3.0", [R([U, {"projects": [P("static", "reader")], "projects_json": "{1}", "domain": {"id": "d"}}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", PJ]])
case("v3_projects_json_unicode", "3.0", [R([U, {"projects_json": "{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", '[{"name": "projé", "roles": [{"name": "rôle"}]}]']])
case("v3_projects_json_object_not_list", "3.0", [R([U, {"projects_json": "{1}"}], [{"type": "UserName"}, {"type": "P"}])], A + [["P", '{"name": "p"}']])
case("unknown_version", "5.0", [R([U], [{"type": "UserName"}])], A)
case("v3_invalid_mapping_errors_sorted", "3.0", [R([{"user": {"name": 1}, "projects_json": 2}], [{"type": "A", "x": 1}])], A)
json.dump(C, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'engine_cases.json'), 'w'), indent=1, ensure_ascii=False)
print(len(C))
