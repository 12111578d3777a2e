// Every route in docs/openapi.yaml that takes a JSON body reads it through the strict reader (json/reader.h):
// a malformed body answers 400 with {"error":{"code":"invalid_input","message":...,"fields":[{"path",
// "problem"}]}} naming the field at fault, never a 5xx and never a silent default.
#include "integration_util.h"

#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace kvtest;

namespace {

using Route = std::pair<std::string, std::string>; // (METHOD, /pattern)

// The operations in docs/openapi.yaml whose requestBody has an application/json content (the layout the
// file keeps: paths at two spaces, methods at four, requestBody at six).
std::set<Route> json_body_routes(const std::string& yaml) {
    static const std::regex path_line(R"(^  (/[^:\s]*):\s*$)");
    static const std::regex method_line(R"(^    (get|put|post|delete|patch):\s*$)");
    std::set<Route> out;
    std::istringstream in(yaml);
    bool in_paths = false;
    bool in_body = false;
    std::string path;
    std::string method;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != ' ' && line[0] != '#') {
            in_paths = line == "paths:";
            continue;
        }
        if (!in_paths) {
            continue;
        }
        std::smatch m;
        if (std::regex_match(line, m, path_line)) {
            path = m[1].str();
            method.clear();
            in_body = false;
        } else if (std::regex_match(line, m, method_line)) {
            method = m[1].str();
            for (char& c : method) {
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
            in_body = false;
        } else if (line.rfind("      requestBody:", 0) == 0) {
            in_body = true;
        } else if (line.rfind("      ", 0) == 0 && line.size() > 6 && line[6] != ' ') {
            in_body = false;
        } else if (in_body && !method.empty() && line.find("application/json:") != std::string::npos) {
            out.insert({method, path});
        }
    }
    return out;
}

struct Probe {
    std::string wrong_key;   // a key given a value of the wrong kind ("" when the body has no keys)
    std::string wrong_value; // that value, as JSON
    std::string null_key;    // a key the schema requires, sent as null ("" when none is required)
    bool open_keys{false};   // the schema allows keys it does not list (an ROI as read back)
};

// One entry per documented route with a JSON body; the test fails if docs/openapi.yaml gains one that is
// not here, so a new route cannot skip the check.
const std::map<Route, Probe>& probes() {
    static const std::map<Route, Probe> table{
        {{"POST", "/api/v1/sessions"}, {"email", "12", "email"}},
        {{"POST", "/api/v1/me/totp/confirm"}, {"code", "12", "code"}},
        {{"POST", "/api/v1/invitations/peek"}, {"token", "12", "token"}},
        {{"POST", "/api/v1/invitations/accept"}, {"token", "12", "token"}},
        {{"POST", "/api/v1/cases"}, {"name", "12", "name"}},
        {{"POST", "/api/v1/cases/{case}/parties"}, {"name", "12", "role"}},
        {{"POST", "/api/v1/cases/{case}/rois"}, {"document_id", "12", "subject", true}},
        {{"PUT", "/api/v1/rois/{roi}"}, {"recipients", "\"all\"", "document_id", true}},
        {{"POST", "/api/v1/rois/{roi}/record-signature"}, {"signer", "12", "signer"}},
        {{"POST", "/api/v1/rois/{roi}/revoke"}, {"recipient", "12", ""}},
        {{"POST", "/api/v1/cases/{case}/orders"}, {"court", "12", "document_id"}},
        {{"POST", "/api/v1/cases/{case}/letters"}, {"child", "12", "document_id"}},
        {{"POST", "/api/v1/letters/{letter}/submit"}, {"", "", ""}},
        {{"POST", "/api/v1/letters/{letter}/request-revisions"}, {"note", "12", ""}},
        {{"POST", "/api/v1/letters/{letter}/approve"}, {"", "", ""}},
        {{"POST", "/api/v1/letters/{letter}/release"}, {"targets", "\"everyone\"", ""}},
        {{"POST", "/api/v1/parties/{party}/consent-facts"}, {"minor_consented_treatment", "\"yes\"", ""}},
        {{"POST", "/api/v1/documents/{doc}/classification"}, {"subjects", "[1]", ""}},
        {{"POST", "/api/v1/cases/{case}/agreement"}, {"document_id", "12", "document_id"}},
        {{"POST", "/api/v1/cases/{case}/envelopes"}, {"signers", "\"everyone\"", "signers"}},
        {{"POST", "/api/v1/envelopes/{env}/void"}, {"reason", "12", ""}},
        {{"POST", "/api/v1/envelopes/{env}/decline"}, {"reason", "12", ""}},
        {{"POST", "/api/v1/envelopes/{env}/consent"}, {"accept", "\"yes\"", "accept"}},
        {{"POST", "/api/v1/envelopes/{env}/sign"}, {"intent", "\"yes\"", "viewed_sha256"}},
        {{"POST", "/api/v1/envelopes/{env}/external/prepare"}, {"certificate_pem", "12", ""}},
        {{"POST", "/api/v1/envelopes/{env}/external/complete"}, {"cms", "12", "prepared_id"}},
    };
    return table;
}

// The 400's listed fields, as path -> problem.
std::multimap<std::string, std::string> fields_of(const Response& r) {
    std::multimap<std::string, std::string> out;
    const auto error = r.json()->getObject("error");
    const auto fields = error ? error->getArray("fields") : nullptr;
    for (std::size_t i = 0; fields && i < fields->size(); ++i) {
        const auto f = fields->getObject(static_cast<unsigned>(i));
        out.emplace(f->getValue<std::string>("path"), f->getValue<std::string>("problem"));
    }
    return out;
}

bool names_path(const Response& r, const std::string& path, const std::string& words = "") {
    for (const auto& [p, problem] : fields_of(r)) {
        if (p.rfind(path, 0) == 0 && problem.find(words) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("the request-body reader of the tests finds the documented JSON bodies", "[integration][bodies]") {
    const auto routes = json_body_routes(
        "paths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n"
        "      responses: {}\n  /b:\n    post:\n      requestBody:\n        content:\n"
        "          application/pdf: {}\n    get:\n      responses:\n        '200':\n          content:\n"
        "            application/json: {}\ncomponents:\n");
    CHECK(routes == std::set<Route>{{"POST", "/a"}});
}

TEST_CASE("every route that takes a JSON body refuses a malformed one with a 400 naming the field",
          "[integration][bodies]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const auto documented = json_body_routes(read_file(source_dir() + "/docs/openapi.yaml"));
    REQUIRE(documented.size() >= 20);
    static const std::regex placeholder(R"(\{[^}/]+\})");

    for (const auto& route : documented) {
        const auto& [method, pattern] = route;
        INFO(method << " " << pattern);
        const auto probe = probes().find(route);
        REQUIRE(probe != probes().end()); // a new route with a body gets an entry in probes()
        const Probe& p = probe->second;
        const std::string path = std::regex_replace(pattern, placeholder, "probe_aaaaaaaaaaaaaaaa");
        const auto send = [&](const std::string& body) {
            const Response r = clinician.request(method, path, body);
            INFO("sent " << body.substr(0, 120) << " -> " << r.status << " " << r.body);
            CHECK(r.status < 500);
            CHECK(r.status == 400);
            CHECK(r.error_code() == "invalid_input");
            return r;
        };

        // One daemon for every route: a SECTION per route and kind would start it ~180 times.
        if (!p.wrong_key.empty()) { // a value of the wrong kind
            CHECK(
                names_path(send("{\"" + p.wrong_key + "\":" + p.wrong_value + "}"), p.wrong_key, "expected"));
        }
        if (!p.null_key.empty()) { // null where the schema requires a value
            CHECK(names_path(send("{\"" + p.null_key + "\":null}"), p.null_key, "null"));
        }
        if (!p.open_keys) { // a key the schema does not know
            CHECK(names_path(send(R"({"zz_unknown":1})"), "zz_unknown", "unknown key"));
        }
        CHECK(names_path(send(R"({"zz_twice":"a","zz_twice":"b"})"), "zz_twice", "twice"));
        // Text that is not UTF-8: an overlong '/'.
        CHECK(names_path(send("{\"zz_text\":\"\xC0\xAF\"}"), "zz_text", "UTF-8"));
        CHECK(names_path(send("{\"zz_deep\":" + std::string(40, '[') + std::string(40, ']') + "}"), "zz_deep",
                         "nested deeper"));
        CHECK(names_path(send(R"(["not","an","object"])"), "", "must be a JSON object"));
    }
}

TEST_CASE("a body with several wrong fields names every one of them", "[integration][bodies]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string case_id = create_case(clinician, "Strict bodies");

    SECTION("consenting with accept null answers 400, not 500") {
        const Response r = clinician.request("POST", "/api/v1/envelopes/probe_aaaaaaaaaaaaaaaa/consent",
                                             R"({"accept":null,"disclosure_version":"1"})");
        CHECK(r.status == 400);
        CHECK(names_path(r, "accept", "expected true or false, got null"));
    }
    SECTION("an envelope's signers and stamps are checked, not taken as defaults") {
        const Response r = clinician.request(
            "POST", "/api/v1/cases/" + case_id + "/envelopes",
            R"({"document":"d","expires_in_days":"soon","signers":[{"slot":"a","party":"p"},{"slot":"b","group":"one"}],"stamps":[{"text":"x","x":"left"}]})");
        CHECK(r.status == 400);
        CHECK(names_path(r, "expires_in_days", "expected"));
        CHECK(names_path(r, "signers[1].group", "expected"));
        CHECK(names_path(r, "stamps[0].x", "expected a number"));
        CHECK(fields_of(r).size() == 3);
    }
}
