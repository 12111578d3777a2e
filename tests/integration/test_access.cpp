// Roles and the one decision point for reads (issue 2 items 7 and 9, security.md "Access control"): roles
// are enforced on the server, a party sees only what they uploaded, and an object a person may not see is
// indistinguishable from one that does not exist (an IDOR matrix over every endpoint that takes an id,
// with two users per role).
#include "integration_util.h"

using namespace kvtest;

namespace {

// Two families, two parents and two attorneys in the first, one parent in the second; each party has
// uploaded one document, and the clinician one report.
struct Practice {
    Daemon daemon;
    Client clinician{daemon.url(), daemon.ca_path()};
    std::string case_a;
    std::string case_b;
    Joined mother;
    Joined father;
    Joined mothers_attorney;
    Joined fathers_attorney;
    Joined other_parent;
    std::string doc_mother;
    std::string doc_father;
    std::string doc_attorney;
    std::string doc_clinician;
    std::string doc_other;

    Practice() {
        clinician.login(k_clinician_email, k_clinician_password);
        case_a = create_case(clinician, "Family A");
        case_b = create_case(clinician, "Family B");
        mother = join_case(clinician, case_a, "parent", "Ana A", "ana@example.org", "ana-password-123");
        father = join_case(clinician, case_a, "parent", "Ben A", "ben@example.org", "ben-password-123");
        mothers_attorney = join_case(clinician, case_a, "attorney", "Att Ana", "att.ana@example.org",
                                     "att-ana-password-1", mother.party_id);
        fathers_attorney = join_case(clinician, case_a, "attorney", "Att Ben", "att.ben@example.org",
                                     "att-ben-password-1", father.party_id);
        other_parent = join_case(clinician, case_b, "parent", "Cy B", "cy@example.org", "cy-password-1234");
        doc_mother = upload(as(mother), case_a, "court-order", "MOTHER-ORDER");
        doc_father = upload(as(father), case_a, "court-order", "FATHER-ORDER");
        doc_attorney = upload(as(mothers_attorney), case_a, "other", "ATTORNEY-PAPER");
        doc_clinician = upload(clinician, case_a, "report", "CLINICIAN-REPORT");
        doc_other = upload(as(other_parent), case_b, "court-order", "OTHER-FAMILY-ORDER");
    }

    [[nodiscard]] Client as(const Joined& who) const {
        Client c(daemon.url(), daemon.ca_path());
        c.set_token(who.token);
        return c;
    }

    static std::string upload(const Client& c, const std::string& case_id, const std::string& type,
                              const std::string& marker) {
        const Response r = upload_document(c, case_id, type, make_pdf(marker, 1), marker);
        INFO(r.body);
        REQUIRE(r.status == 201);
        return r.json()->getValue<std::string>("id");
    }
};

// An id of the same shape that names nothing.
std::string absent_like(const std::string& id) {
    std::string out = id;
    out.back() = out.back() == 'a' ? 'b' : 'a';
    out[out.size() - 2] = out[out.size() - 2] == 'z' ? 'y' : 'z';
    return out;
}

struct Endpoint {
    std::string method;
    std::string pattern; // one "{}" stands for the id
    std::string body;
    std::string content_type;
};

Response call(const Client& c, const Endpoint& e, const std::string& id) {
    std::string path = e.pattern;
    path.replace(path.find("{}"), 2, id);
    return c.request(e.method, path, e.body, e.content_type);
}

std::vector<Endpoint> document_endpoints() {
    const std::string pdf = make_pdf("IDOR-NEW-VERSION", 1);
    return {
        {"GET", "/api/v1/documents/{}", "", "application/json"},
        {"GET", "/api/v1/documents/{}/versions", "", "application/json"},
        {"GET", "/api/v1/documents/{}/content", "", "application/json"},
        {"GET", "/api/v1/documents/{}/content?version=1", "", "application/json"},
        {"POST", "/api/v1/documents/{}/versions", pdf, "application/pdf"},
        {"GET", "/api/v1/documents/{}/access", "", "application/json"},
        {"POST", "/api/v1/documents/{}/classification", R"({"subjects":[]})", "application/json"},
    };
}

std::vector<Endpoint> case_endpoints() {
    const std::string pdf = make_pdf("IDOR-NEW-DOCUMENT", 1);
    return {
        {"GET", "/api/v1/cases/{}", "", "application/json"},
        {"GET", "/api/v1/cases/{}/parties", "", "application/json"},
        {"POST", "/api/v1/cases/{}/parties", R"({"role":"parent","name":"X","email":"x@example.org"})",
         "application/json"},
        {"GET", "/api/v1/cases/{}/documents", "", "application/json"},
        {"POST", "/api/v1/cases/{}/documents?type=other", pdf, "application/pdf"},
        {"GET", "/api/v1/cases/{}/rois", "", "application/json"},
        {"POST", "/api/v1/cases/{}/rois", "{}", "application/json"},
        {"GET", "/api/v1/cases/{}/orders", "", "application/json"},
        {"POST", "/api/v1/cases/{}/orders", "{}", "application/json"},
        {"GET", "/api/v1/cases/{}/letters", "", "application/json"},
        {"POST", "/api/v1/cases/{}/letters", "{}", "application/json"},
        {"GET", "/api/v1/cases/{}/readiness", "", "application/json"},
        {"GET", "/api/v1/cases/{}/disclosures", "", "application/json"},
        {"POST", "/api/v1/cases/{}/agreement", "{}", "application/json"},
        {"GET", "/api/v1/cases/{}/envelopes", "", "application/json"},
        {"POST", "/api/v1/cases/{}/envelopes", R"({"title":"x","template":"t"})", "application/json"},
    };
}

std::vector<Endpoint> party_endpoints() {
    return {
        {"POST", "/api/v1/parties/{}/invitation", "", "application/json"},
        {"POST", "/api/v1/parties/{}/consent-facts", "{}", "application/json"},
    };
}

// Every endpoint answers `who` about `forbidden` exactly as about an id that does not exist.
void check_indistinguishable(const Client& who, const std::string& who_name,
                             const std::vector<Endpoint>& endpoints, const std::string& forbidden) {
    for (const auto& e : endpoints) {
        const Response denied = call(who, e, forbidden);
        const Response missing = call(who, e, absent_like(forbidden));
        INFO(who_name << ": " << e.method << " " << e.pattern << " with " << forbidden
                      << "\nforbidden: " << denied.status << " " << denied.body
                      << "\nmissing:   " << missing.status << " " << missing.body);
        CHECK(denied.status == 404);
        CHECK(denied.status == missing.status);
        CHECK(denied.body == missing.body);
    }
}

} // namespace

TEST_CASE("roles are enforced on the server", "[integration][access]") {
    Practice p;
    const Client mother = p.as(p.mother);
    const Client attorney = p.as(p.mothers_attorney);

    SECTION("a parent cannot open a case") {
        const Response r = mother.post_json("/api/v1/cases", obj({{"name", "Mine"}}));
        CHECK(r.status == 403);
        CHECK(r.error_code() == "forbidden");
    }
    SECTION("a parent cannot invite anyone into their own case") {
        const Response r =
            mother.post_json("/api/v1/cases/" + p.case_a + "/parties",
                             obj({{"role", "parent"}, {"name", "New"}, {"email", "new@example.org"}}));
        CHECK(r.status == 403);
        CHECK(r.error_code() == "forbidden");
    }
    SECTION("an attorney cannot invite anyone into the case") {
        const Response r =
            attorney.post_json("/api/v1/cases/" + p.case_a + "/parties",
                               obj({{"role", "parent"}, {"name", "New"}, {"email", "new@example.org"}}));
        CHECK(r.status == 403);
    }
    SECTION("a parent cannot re-issue another party's invitation") {
        const Response r = mother.request("POST", "/api/v1/parties/" + p.father.party_id + "/invitation");
        CHECK(r.status == 404);
    }
    SECTION("a parent cannot read the audit log") {
        CHECK(mother.get("/api/v1/audit/entries").status == 403);
        CHECK(mother.get("/api/v1/audit/checkpoint").status == 403);
    }
    SECTION("a parent cannot add a document type reserved to the clinician") {
        const Response r = upload_document(mother, p.case_a, "reunification-agreement", make_pdf("NOPE", 1));
        CHECK(r.status == 403);
    }
    SECTION("a party lists only the documents they uploaded, the clinician lists all") {
        CHECK(ids_of(mother.get("/api/v1/cases/" + p.case_a + "/documents")) ==
              std::vector<std::string>{p.doc_mother});
        CHECK(ids_of(p.as(p.father).get("/api/v1/cases/" + p.case_a + "/documents")) ==
              std::vector<std::string>{p.doc_father});
        CHECK(ids_of(attorney.get("/api/v1/cases/" + p.case_a + "/documents")) ==
              std::vector<std::string>{p.doc_attorney});
        CHECK(ids_of(p.as(p.fathers_attorney).get("/api/v1/cases/" + p.case_a + "/documents")).empty());
        const auto all = ids_of(p.clinician.get("/api/v1/cases/" + p.case_a + "/documents"));
        CHECK(all.size() == 4);
        for (const auto& d : {p.doc_mother, p.doc_father, p.doc_attorney, p.doc_clinician}) {
            CHECK(contains(all, d));
        }
    }
    SECTION("a party reads their own upload and the clinician reads every document of the case") {
        CHECK(mother.get("/api/v1/documents/" + p.doc_mother + "/content").status == 200);
        for (const auto& d : {p.doc_mother, p.doc_father, p.doc_attorney, p.doc_clinician}) {
            CHECK(p.clinician.get("/api/v1/documents/" + d + "/content").status == 200);
        }
    }
    SECTION("only the clinician reads an earlier version") {
        REQUIRE(mother
                    .request("POST", "/api/v1/documents/" + p.doc_mother + "/versions", make_pdf("V2", 1),
                             "application/pdf")
                    .status == 201);
        CHECK(mother.get("/api/v1/documents/" + p.doc_mother + "/content?version=2").status == 200);
        CHECK(mother.get("/api/v1/documents/" + p.doc_mother + "/content?version=1").status == 404);
        CHECK(p.clinician.get("/api/v1/documents/" + p.doc_mother + "/content?version=1").status == 200);
        CHECK(items_of(mother.get("/api/v1/documents/" + p.doc_mother + "/versions"))->size() == 1);
        CHECK(items_of(p.clinician.get("/api/v1/documents/" + p.doc_mother + "/versions"))->size() == 2);
    }
}

TEST_CASE("a forbidden object gets the same answer as a missing one on every endpoint that takes an id",
          "[integration][access][idor]") {
    Practice p;
    const auto docs = document_endpoints();
    const auto cases = case_endpoints();
    const auto parties = party_endpoints();

    SECTION("parents cannot reach each other's documents") {
        check_indistinguishable(p.as(p.father), "father", docs, p.doc_mother);
        check_indistinguishable(p.as(p.mother), "mother", docs, p.doc_father);
        check_indistinguishable(p.as(p.mother), "mother", docs, p.doc_clinician);
        check_indistinguishable(p.as(p.father), "father", docs, p.doc_attorney);
    }
    SECTION("attorneys cannot reach documents they did not upload, not even their client's") {
        check_indistinguishable(p.as(p.mothers_attorney), "mother's attorney", docs, p.doc_mother);
        check_indistinguishable(p.as(p.fathers_attorney), "father's attorney", docs, p.doc_mother);
        check_indistinguishable(p.as(p.fathers_attorney), "father's attorney", docs, p.doc_attorney);
        check_indistinguishable(p.as(p.mothers_attorney), "mother's attorney", docs, p.doc_clinician);
    }
    SECTION("nobody reaches the documents of another family's case") {
        check_indistinguishable(p.as(p.other_parent), "other family's parent", docs, p.doc_mother);
        check_indistinguishable(p.as(p.mother), "mother", docs, p.doc_other);
        check_indistinguishable(p.as(p.fathers_attorney), "father's attorney", docs, p.doc_other);
    }
    SECTION("nobody reaches another family's case") {
        check_indistinguishable(p.as(p.other_parent), "other family's parent", cases, p.case_a);
        check_indistinguishable(p.as(p.mother), "mother", cases, p.case_b);
        check_indistinguishable(p.as(p.mothers_attorney), "mother's attorney", cases, p.case_b);
    }
    SECTION("parties cannot reach other parties' invitations") {
        check_indistinguishable(p.as(p.mother), "mother", parties, p.father.party_id);
        check_indistinguishable(p.as(p.fathers_attorney), "father's attorney", parties, p.mother.party_id);
        check_indistinguishable(p.as(p.other_parent), "other family's parent", parties, p.mother.party_id);
        check_indistinguishable(p.as(p.mother), "mother", parties, p.other_parent.party_id);
    }
}
