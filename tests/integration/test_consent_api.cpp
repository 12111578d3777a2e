// The consent API against a real kinvaultd (issue 3, "How it is proven"): every consent endpoint that takes
// an id, tried by users of every role (at least two per role; the practice has one clinician account),
// answers a forbidden object exactly like a missing one (same status, same body: domain.md rule 11), and the
// answers the browser pages read have the shape they expect.
#include "daemon.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kvtest;

namespace {

std::string id_of(const Response& r, int status = 201) {
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == status);
    return r.json()->getValue<std::string>("id");
}

Poco::JSON::Object::Ptr parse(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr items(const Response& r) {
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == 200);
    return r.json()->getArray("items");
}

std::string roi_body(const std::string& document, const std::string& subject,
                     const std::string& recipient_kind, const std::string& recipient,
                     const std::string& direction, const std::string& purpose) {
    return R"({"document_id":")" + document + R"(","subject":")" + subject + R"(","recipients":[{"kind":")" +
           recipient_kind + R"(","party":")" + recipient + R"("}],"information":{"doc_types":["report"],
           "description":"progress reports"},"purposes":[")" +
           purpose + R"("],"direction":")" + direction + R"(","expiry":{"date":"2030-01-01"},
           "statements":{"right_to_revoke":true,"treatment_not_conditioned":true,"redisclosure":true,
           "right_to_copy":true},"template_version":"roi-2025.1"})";
}

struct Family {
    std::string case_id;
    Joined mother, father, child, therapist, mothers_attorney, fathers_attorney, minors_counsel, court;
    std::string order;       // verified joint custody order
    std::string roi;         // active: the child's information to the therapist, signed by the mother
    std::string draft_roi;   // a draft
    std::string letter;      // the father's letter, submitted (not released)
    std::string report;      // a report the therapist's ROI covers
    std::string private_doc; // a document no ROI covers
    std::string letter_doc;
};

struct Practice {
    Daemon daemon;
    Client clinician{daemon.url(), daemon.ca_path()};
    Family a;
    Family b;

    Practice() {
        clinician.login(k_clinician_email, k_clinician_password);
        a = family("A", "a");
        b = family("B", "b");
    }

    [[nodiscard]] Client as(const Joined& who) const {
        Client c(daemon.url(), daemon.ca_path());
        c.set_token(who.token);
        return c;
    }

    std::string upload(const Client& c, const std::string& case_id, const std::string& type,
                       const std::string& marker) {
        return id_of(upload_document(c, case_id, type, make_pdf(marker, 1), marker));
    }

    Family family(const std::string& name, const std::string& tag) {
        Family f;
        f.case_id = create_case(clinician, "Family " + name, "open");
        const auto mail = [&](const std::string& who) { return who + "." + tag + "@example.org"; };
        f.mother = join_case(clinician, f.case_id, "parent", "Mother " + name, mail("mother"),
                             "mother-password-" + tag);
        f.father = join_case(clinician, f.case_id, "parent", "Father " + name, mail("father"),
                             "father-password-" + tag);
        f.child = join_case(clinician, f.case_id, "child", "Child " + name, mail("child"),
                            "child-password-1" + tag);
        f.therapist = join_case(clinician, f.case_id, "child-therapist", "Therapist " + name, mail("ther"),
                                "ther-password-1" + tag);
        f.mothers_attorney = join_case(clinician, f.case_id, "attorney", "Att M " + name, mail("attm"),
                                       "attm-password-1" + tag, f.mother.party_id);
        f.fathers_attorney = join_case(clinician, f.case_id, "attorney", "Att F " + name, mail("attf"),
                                       "attf-password-1" + tag, f.father.party_id);
        f.minors_counsel = join_case(clinician, f.case_id, "minors-counsel", "MC " + name, mail("mc"),
                                     "mc-password-12" + tag, f.child.party_id);
        f.court = join_case(clinician, f.case_id, "court", "Court " + name, mail("court"),
                            "court-password-1" + tag);
        REQUIRE(clinician
                    .post_json("/api/v1/parties/" + f.therapist.party_id + "/consent-facts",
                               obj({{"treats", f.child.party_id}}))
                    .status == 200);
        const std::string order_doc = upload(clinician, f.case_id, "court-order", "ORDER " + name);
        auto order =
            parse(R"({"document_id":")" + order_doc + R"(","court":"Superior Court","case_number":"FL-)" +
                  name + R"(","issued_at":"2025-05-20","terms":["custody joint )" + f.mother.party_id + ", " +
                  f.father.party_id + R"("]})");
        f.order = id_of(clinician.post_json("/api/v1/cases/" + f.case_id + "/orders", order));
        REQUIRE(clinician.request("POST", "/api/v1/orders/" + f.order + "/verify").status == 200);
        const std::string roi_doc = upload(clinician, f.case_id, "roi", "ROI " + name);
        f.roi = id_of(clinician.request("POST", "/api/v1/cases/" + f.case_id + "/rois",
                                        roi_body(roi_doc, f.child.party_id, "therapist-of", f.child.party_id,
                                                 "both", "coordination-of-care")));
        const Response signed_ = clinician.post_json("/api/v1/rois/" + f.roi + "/record-signature",
                                                     obj({{"signer", f.mother.party_id},
                                                          {"capacity", "parent-legal-custody"},
                                                          {"authority", f.order}}));
        INFO(signed_.body);
        REQUIRE(signed_.status == 200);
        REQUIRE(signed_.json()->getValue<std::string>("state") == "active");
        const std::string draft_doc = upload(clinician, f.case_id, "roi", "DRAFT ROI " + name);
        f.draft_roi = id_of(
            clinician.request("POST", "/api/v1/cases/" + f.case_id + "/rois",
                              roi_body(draft_doc, f.child.party_id, "party", f.fathers_attorney.party_id,
                                       "clinician-to-recipient", "legal-proceedings")));
        f.report = upload(clinician, f.case_id, "report", "REPORT " + name);
        f.private_doc = upload(clinician, f.case_id, "other", "PRIVATE " + name);
        f.letter_doc = upload(as(f.father), f.case_id, "clarification-letter", "LETTER " + name);
        f.letter =
            id_of(as(f.father).post_json("/api/v1/cases/" + f.case_id + "/letters",
                                         obj({{"document_id", f.letter_doc}, {"child", f.child.party_id}})));
        REQUIRE(as(f.father).request("POST", "/api/v1/letters/" + f.letter + "/submit").status == 200);
        return f;
    }

    // Users of every party role, two or more per role.
    [[nodiscard]] std::vector<std::pair<std::string, Joined>> users() const {
        std::vector<std::pair<std::string, Joined>> out;
        for (const auto* f : {&a, &b}) {
            const std::string n = f == &a ? "A " : "B ";
            out.push_back({n + "mother", f->mother});
            out.push_back({n + "father", f->father});
            out.push_back({n + "child", f->child});
            out.push_back({n + "therapist", f->therapist});
            out.push_back({n + "mother's attorney", f->mothers_attorney});
            out.push_back({n + "father's attorney", f->fathers_attorney});
            out.push_back({n + "minor's counsel", f->minors_counsel});
            out.push_back({n + "court", f->court});
        }
        return out;
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
    std::string pattern; // "{}" stands for the id
    std::string body;
};

Response call(const Client& c, const Endpoint& e, const std::string& id) {
    std::string path = e.pattern;
    path.replace(path.find("{}"), 2, id);
    return c.request(e.method, path, e.body, "application/json");
}

std::vector<Endpoint> case_endpoints(const Family& f) {
    return {
        {"GET", "/api/v1/cases/{}/readiness", ""},
        {"GET", "/api/v1/cases/{}/rois", ""},
        {"POST", "/api/v1/cases/{}/rois",
         roi_body(f.report, f.child.party_id, "party", f.therapist.party_id, "both", "coordination-of-care")},
        {"GET", "/api/v1/cases/{}/orders", ""},
        {"POST", "/api/v1/cases/{}/orders",
         R"({"document_id":")" + f.private_doc +
             R"(","court":"C","case_number":"1","issued_at":"2025-01-01"})"},
        {"GET", "/api/v1/cases/{}/letters", ""},
        {"POST", "/api/v1/cases/{}/letters",
         R"({"document_id":")" + f.letter_doc + R"(","child":")" + f.child.party_id + R"("})"},
        {"GET", "/api/v1/cases/{}/disclosures", ""},
        {"GET", "/api/v1/cases/{}/disclosures?party=" + f.mother.party_id, ""},
        {"POST", "/api/v1/cases/{}/agreement",
         R"({"document_id":")" + f.private_doc + R"(","mode":"closed"})"},
    };
}

std::vector<Endpoint> roi_endpoints(const Family& f) {
    return {
        {"GET", "/api/v1/rois/{}", ""},
        {"PUT", "/api/v1/rois/{}",
         roi_body(f.report, f.child.party_id, "party", f.therapist.party_id, "both", "coordination-of-care")},
        {"POST", "/api/v1/rois/{}/validate", ""},
        {"POST", "/api/v1/rois/{}/record-signature",
         R"({"signer":")" + f.father.party_id + R"(","capacity":"parent-legal-custody","authority":")" +
             f.order + R"("})"},
        {"POST", "/api/v1/rois/{}/revoke", ""},
        {"POST", "/api/v1/rois/{}/revoke", R"({"recipient":")" + f.child.party_id + R"("})"},
        {"POST", "/api/v1/rois/{}/reinstate", ""},
        {"GET", "/api/v1/rois/{}/fhir", ""},
    };
}

std::vector<Endpoint> order_endpoints() {
    return {{"POST", "/api/v1/orders/{}/verify", ""}};
}

std::vector<Endpoint> letter_endpoints(const Family& f) {
    return {
        {"POST", "/api/v1/letters/{}/submit", ""},
        {"POST", "/api/v1/letters/{}/request-revisions", R"({"note":"shorter"})"},
        {"POST", "/api/v1/letters/{}/approve", ""},
        {"POST", "/api/v1/letters/{}/release", R"({"targets":[")" + f.therapist.party_id + R"("]})"},
    };
}

std::vector<Endpoint> document_endpoints(const Family& f) {
    return {
        {"GET", "/api/v1/documents/{}/access?party=" + f.mother.party_id, ""},
        {"POST", "/api/v1/documents/{}/classification", R"({"category":"attendance"})"},
    };
}

std::vector<Endpoint> party_endpoints(const Family& f) {
    return {{"POST", "/api/v1/parties/{}/consent-facts", R"({"treats":")" + f.child.party_id + R"("})"}};
}

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

TEST_CASE("every consent endpoint answers a forbidden object exactly like a missing one, for every role",
          "[integration][consent][idor]") {
    Practice p;

    SECTION("nobody reaches another family's case, ROIs, orders, letters, documents or parties") {
        for (const auto& [name, user] : p.users()) {
            const bool in_a = name.front() == 'A';
            const Family& other = in_a ? p.b : p.a;
            const Client c = p.as(user);
            check_indistinguishable(c, name, case_endpoints(other), other.case_id);
            check_indistinguishable(c, name, roi_endpoints(other), other.roi);
            check_indistinguishable(c, name, roi_endpoints(other), other.draft_roi);
            check_indistinguishable(c, name, order_endpoints(), other.order);
            check_indistinguishable(c, name, letter_endpoints(other), other.letter);
            check_indistinguishable(c, name, document_endpoints(other), other.report);
            check_indistinguishable(c, name, party_endpoints(other), other.mother.party_id);
        }
    }
    SECTION("inside their own case, counsel, the court, the therapist and the child reach no consent they "
            "are not "
            "party to") {
        for (const Family* f : {&p.a, &p.b}) {
            for (const Joined* who :
                 {&f->mothers_attorney, &f->fathers_attorney, &f->minors_counsel, &f->court, &f->therapist}) {
                const Client c = p.as(*who);
                check_indistinguishable(c, "outsider to the ROI", roi_endpoints(*f), f->roi);
                check_indistinguishable(c, "outsider to the ROI", roi_endpoints(*f), f->draft_roi);
                check_indistinguishable(c, "outsider to the order", order_endpoints(), f->order);
                check_indistinguishable(c, "not the letter's author", letter_endpoints(*f), f->letter);
                check_indistinguishable(c, "cannot read the document", document_endpoints(*f),
                                        f->private_doc);
            }
        }
    }
    SECTION(
        "the other parent and the child never reach an unreleased letter, nor a document no ROI releases") {
        for (const Family* f : {&p.a, &p.b}) {
            for (const Joined* who : {&f->mother, &f->child}) {
                const Client c = p.as(*who);
                check_indistinguishable(c, "mother or child", letter_endpoints(*f), f->letter);
                check_indistinguishable(c, "mother or child", document_endpoints(*f), f->private_doc);
                check_indistinguishable(c, "mother or child", order_endpoints(), f->order);
            }
        }
    }
    SECTION("no party can record the consent facts of any party, their own included") {
        for (const auto& [name, user] : p.users()) {
            const Family& mine = name.front() == 'A' ? p.a : p.b;
            check_indistinguishable(p.as(user), name, party_endpoints(mine), mine.therapist.party_id);
            check_indistinguishable(p.as(user), name, party_endpoints(mine), user.party_id);
        }
    }
    SECTION("the clinician gets the same 404 for every missing id") {
        for (const auto& e : roi_endpoints(p.a)) {
            const Response r = call(p.clinician, e, absent_like(p.a.roi));
            INFO(e.pattern << " " << r.body);
            CHECK(r.status == 404);
            CHECK(r.json()->getObject("error")->getValue<std::string>("message") == "No such ROI.");
        }
        const Response order = call(p.clinician, order_endpoints()[0], absent_like(p.a.order));
        CHECK(order.status == 404);
        const Response letter = call(p.clinician, letter_endpoints(p.a)[2], absent_like(p.a.letter));
        CHECK(letter.status == 404);
    }
    SECTION("nothing above changed a consent record") {
        const Response roi = p.clinician.get("/api/v1/rois/" + p.a.roi);
        CHECK(roi.json()->getValue<std::string>("state") == "active");
        const auto letters = items(p.clinician.get("/api/v1/cases/" + p.a.case_id + "/letters"));
        CHECK(letters->getObject(0)->getValue<std::string>("state") == "submitted");
    }
}

TEST_CASE("the consent API answers in the shapes the browser pages and other systems read",
          "[integration][consent]") {
    Practice p;
    const Family& f = p.a;

    SECTION("readiness lists each child's therapists with every authoriser and direction") {
        const Response r = p.clinician.get("/api/v1/cases/" + f.case_id + "/readiness");
        REQUIRE(r.status == 200);
        const auto body = r.json();
        CHECK(body->getValue<bool>("ready")); // one ROI for both directions, signed by one joint custodian
        CHECK(body->getValue<bool>("has_current_order_or_plan"));
        const auto child = body->getArray("children")->getObject(0);
        CHECK(child->getValue<std::string>("child") == f.child.party_id);
        const auto therapist = child->getArray("therapists")->getObject(0);
        CHECK(therapist->getValue<std::string>("therapist") == f.therapist.party_id);
        const auto links = therapist->getArray("links");
        CHECK(links->size() == 4); // two custodians x two directions
        for (std::size_t i = 0; i < links->size(); ++i) {
            const auto l = links->getObject(static_cast<unsigned>(i));
            CHECK(l->has("authoriser_name"));
            CHECK(l->has("direction"));
            CHECK(l->has("state"));
        }
    }
    SECTION("a party cannot read readiness or the accounting of disclosures of their own case") {
        CHECK(p.as(f.mother).get("/api/v1/cases/" + f.case_id + "/readiness").status == 403);
        CHECK(p.as(f.mother).get("/api/v1/cases/" + f.case_id + "/disclosures").status == 403);
    }
    SECTION("the FHIR export is a Consent resource served as FHIR JSON") {
        const Response r = p.clinician.get("/api/v1/rois/" + f.roi + "/fhir");
        REQUIRE(r.status == 200);
        CHECK(r.headers.at("Content-Type").rfind("application/fhir+json", 0) == 0);
        const auto c = r.json();
        CHECK(c->getValue<std::string>("resourceType") == "Consent");
        CHECK(c->getValue<std::string>("status") == "active");
        CHECK(c->getArray("provision")
                  ->getObject(0)
                  ->getArray("purpose")
                  ->getObject(0)
                  ->getValue<std::string>("code") == "COC");
    }
    SECTION("validation of a defective ROI names every missing element") {
        const std::string doc = p.upload(p.clinician, f.case_id, "roi", "BARE ROI");
        const Response created = p.clinician.request("POST", "/api/v1/cases/" + f.case_id + "/rois",
                                                     R"({"document_id":")" + doc + R"(","subject":")" +
                                                         f.child.party_id + R"("})");
        REQUIRE(created.status == 201);
        const Response v = p.clinician.request("POST", "/api/v1/rois/" + id_of(created) + "/validate");
        REQUIRE(v.status == 200);
        CHECK_FALSE(v.json()->getValue<bool>("valid"));
        CHECK(v.json()->getArray("defects")->size() >= 8);
    }
    SECTION("a malformed ROI is refused with every wrong field named") {
        const Response r = p.clinician.request("POST", "/api/v1/cases/" + f.case_id + "/rois",
                                               R"({"purposes":["fishing"],"direction":"sideways"})");
        CHECK(r.status == 400);
        CHECK_THAT(r.body, Catch::Contains("fishing") && Catch::Contains("sideways"));
    }
    SECTION("the therapist's ROI releases the report to the therapist, and the read enters the accounting") {
        const Response read = p.as(f.therapist).get("/api/v1/documents/" + f.report + "/content");
        REQUIRE(read.status == 200);
        CHECK(read.headers.count("X-Kinvault-Obligations") == 1);
        const auto rows = items(
            p.clinician.get("/api/v1/cases/" + f.case_id + "/disclosures?party=" + f.therapist.party_id));
        REQUIRE(rows->size() == 1);
        CHECK(rows->getObject(0)->getValue<std::string>("rule") == "R3.roi");
        CHECK(rows->getObject(0)->getValue<std::string>("basis") == f.roi);
        CHECK(rows->getObject(0)->getValue<std::string>("purpose") == "coordination-of-care");
        const Response explain =
            p.clinician.get("/api/v1/documents/" + f.report + "/access?party=" + f.therapist.party_id);
        REQUIRE(explain.status == 200);
        CHECK(explain.json()->getValue<std::string>("decision") == "permit");
        CHECK(explain.json()->getValue<std::string>("rule") == "R3.roi");
    }
}
