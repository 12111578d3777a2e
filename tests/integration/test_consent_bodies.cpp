// ROI, court-order and agreement bodies go whole to the consent codec; what is wrong deep inside them is
// answered like any other bad body: a 400 whose "fields" name each wrong value by its path.
#include "integration_util.h"

#include <map>

using namespace kvtest;

namespace {

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

bool names(const Response& r, const std::string& path, const std::string& words) {
    for (const auto& [p, problem] : fields_of(r)) {
        if (p == path && problem.find(words) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("a consent body names every wrong nested field by its path", "[integration][bodies][consent]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string case_id = create_case(clinician, "Nested bodies");

    SECTION("an ROI: a recipient's party, an information date, a statement, a signature's authority") {
        const Response r = clinician.request(
            "POST", "/api/v1/cases/" + case_id + "/rois",
            R"({"document_id":"d","subject":"s","recipients":[{"kind":"party","party":"p"},{"kind":"party","party":7}],
                "information":{"from":"someday","doc_types":["report",3]},"statements":{"redisclosure":"yes"},
                "signatures":[{"signer":"m","authority":{"kind":"court_order","id":false}}],"purposes":["fishing"]})");
        CHECK(r.status == 400);
        CHECK(r.error_code() == "invalid_input");
        CHECK(names(r, "recipients[1].party", "expected a string, got a number"));
        CHECK(names(r, "information.from", "must be a date"));
        CHECK(names(r, "information.doc_types[1]", "expected a string"));
        CHECK(names(r, "statements.redisclosure", "expected true or false"));
        CHECK(names(r, "signatures[0].authority.id", "expected a string"));
        CHECK(names(r, "purposes[0]", "is not one of"));
        CHECK(fields_of(r).size() == 6);
    }
    SECTION("an ROI as read back is accepted with the names the view adds, but a stray nested key is not") {
        const Response r =
            clinician.request("POST", "/api/v1/cases/" + case_id + "/rois",
                              R"({"document_id":"d","subject":"s","subject_name":"Sam","in_force":false,
                "recipients":[{"kind":"party","party":"p","party_id":"p","name":"Pat"}],
                "expiry":{"date":"2027-01-01","when":"later"}})");
        CHECK(r.status == 400);
        CHECK(names(r, "expiry.when", "unknown key"));
        CHECK(fields_of(r).size() == 1);
    }
    SECTION("a court order: a custody holder, a term's list, an unknown nested key") {
        const Response r =
            clinician.request("POST", "/api/v1/cases/" + case_id + "/orders",
                              R"({"document_id":"d","issued_at":"2026-01-01","effective_at":"2026-01-01",
                "custody":[{"children":["c"],"kind":"sole","holders":["a"]},{"children":["c"],"holders":[null]}],
                "restrictions":[{"barred_roles":"attorney"}],"protective":[{"restrained":["x"],"shielded":["y"]}]})");
        CHECK(r.status == 400);
        CHECK(names(r, "custody[1].holders[0]", "expected a string, got null"));
        CHECK(names(r, "restrictions[0].barred_roles", "expected a list"));
        CHECK(names(r, "protective[0].shielded", "unknown key"));
        CHECK(fields_of(r).size() == 3);
    }
    SECTION("an agreement's allowances") {
        const Response r =
            clinician.request("POST", "/api/v1/cases/" + case_id + "/agreement",
                              R"({"document_id":"d","open_allowances":[{"scope":"everyone"},"all",
                                  {"recipient_roles":["court"],"audience":"x"}]})");
        CHECK(r.status == 400);
        CHECK(names(r, "open_allowances[0].scope", "is not one of"));
        CHECK(names(r, "open_allowances[1]", "expected an object"));
        CHECK(names(r, "open_allowances[2].audience", "unknown key"));
        CHECK(fields_of(r).size() == 3);
    }
}
