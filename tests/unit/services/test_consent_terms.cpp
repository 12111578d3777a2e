// The court order terms a clinician types (services/consent/order_terms.h) become the structured terms the
// release engine reads, with parties found by name or id, and every mistake named with its term number.
#include "services/consent/order_terms.h"

#include <catch2/catch.hpp>

using namespace kinvault;

namespace {

domain::CaseFacts family() {
    domain::CaseFacts f;
    f.id = "case_1";
    const auto add = [&f](const std::string& id, domain::Role role, const std::string& name) {
        domain::Party p;
        p.id = id;
        p.role = role;
        p.name = name;
        f.parties.push_back(p);
    };
    add("pty_mary", domain::Role::parent, "Mary Rivera");
    add("pty_frank", domain::Role::parent, "Frank Rivera");
    add("pty_sam", domain::Role::child, "Sam");
    add("pty_lee", domain::Role::child_therapist, "Dr. Lee");
    add("pty_ann", domain::Role::attorney, "Ann For, Esq.");
    domain::CourtOrder earlier;
    earlier.id = "ord_old";
    f.orders.push_back(earlier);
    return f;
}

domain::CourtOrder parse(const std::vector<std::string>& terms) {
    domain::CourtOrder o;
    const auto st = services::apply_order_terms(o, terms, family());
    INFO((st ? std::string() : st.error().message));
    REQUIRE(st.ok());
    return o;
}

std::string error_of(const std::vector<std::string>& terms) {
    domain::CourtOrder o;
    const auto st = services::apply_order_terms(o, terms, family());
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::invalid_input);
    return st.error().message;
}

} // namespace

TEST_CASE("custody terms name the legal custodians and the children by name or id", "[consent][terms]") {
    SECTION("joint custody of every child") {
        const auto o = parse({"custody joint Mary Rivera, pty_frank"});
        REQUIRE(o.custody.size() == 1);
        CHECK(o.custody[0].kind == domain::CustodyKind::joint);
        CHECK(o.custody[0].holders == std::vector<std::string>{"pty_mary", "pty_frank"});
        CHECK(o.custody[0].children.empty());
    }
    SECTION("sole custody for one child, names in any case") {
        const auto o = parse({"Custody SOLE mary rivera for sam"});
        CHECK(o.custody[0].kind == domain::CustodyKind::sole);
        CHECK(o.custody[0].holders == std::vector<std::string>{"pty_mary"});
        CHECK(o.custody[0].children == std::vector<std::string>{"pty_sam"});
    }
    SECTION("decisions reserved to both custodians") {
        const auto o = parse({"mutual-consent mental-health-treatment, release_of_information for Sam"});
        CHECK(o.mutual_consent[0].subjects ==
              std::vector<domain::DecisionSubject>{domain::DecisionSubject::mental_health_treatment,
                                                   domain::DecisionSubject::release_of_information});
        CHECK(o.mutual_consent[0].children == std::vector<std::string>{"pty_sam"});
    }
}

TEST_CASE("restrictions, protective terms and compelled releases read like the order", "[consent][terms]") {
    SECTION("a restriction on a party and a whole role, for some information about a child, with the order's "
            "words") {
        const auto o = parse(
            {"restrict Frank Rivera, attorney from report, session-summary about Sam: no notes to Father"});
        const auto& r = o.restrictions.at(0);
        CHECK(r.barred_parties == std::vector<std::string>{"pty_frank"});
        CHECK(r.barred_roles == std::vector<domain::Role>{domain::Role::attorney});
        CHECK(r.doc_types == std::vector<domain::DocType>{domain::DocType::report});
        CHECK(r.categories == std::vector<domain::InfoCategory>{domain::InfoCategory::session_summary});
        CHECK(r.about == std::vector<std::string>{"pty_sam"});
        CHECK(r.text == "no notes to Father");
    }
    SECTION("a restriction without 'from' covers all information") {
        const auto o = parse({"restrict Frank Rivera"});
        CHECK(o.restrictions.at(0).doc_types.empty());
        CHECK(o.restrictions.at(0).categories.empty());
    }
    SECTION("a protective order") {
        const auto o = parse({"protect Mary Rivera, Sam from Frank Rivera"});
        CHECK(o.protective.at(0).protected_parties == std::vector<std::string>{"pty_mary", "pty_sam"});
        CHECK(o.protective.at(0).restrained == std::vector<std::string>{"pty_frank"});
    }
    SECTION("a compelled release including sensitive information") {
        const auto o =
            parse({"compel court to receive progress-report including psychotherapy-notes: quarterly"});
        const auto& c = o.compels.at(0);
        CHECK(c.recipient_roles == std::vector<domain::Role>{domain::Role::court});
        CHECK(c.categories == std::vector<domain::InfoCategory>{domain::InfoCategory::progress_report});
        CHECK(c.sensitivity.has(domain::Sensitivity::psychotherapy_notes));
        CHECK(c.text == "quarterly");
    }
    SECTION("a quoted name may hold a comma and a keyword") {
        const auto o = parse({R"(restrict "Ann For, Esq." from report)"});
        CHECK(o.restrictions.at(0).barred_parties == std::vector<std::string>{"pty_ann"});
    }
    SECTION("supersession of an earlier order in one area, and the areas ruled on") {
        const auto o = parse({"supersedes ord_old in legal-custody", "areas therapy, contact"});
        CHECK(o.supersedes.at(0).order == "ord_old");
        CHECK(o.supersedes.at(0).areas ==
              std::vector<domain::SubjectArea>{domain::SubjectArea::legal_custody});
        CHECK(o.areas ==
              std::vector<domain::SubjectArea>{domain::SubjectArea::therapy, domain::SubjectArea::contact});
    }
}

TEST_CASE("mistakes in order terms are all named with their term number", "[consent][terms]") {
    const std::string m = error_of({"custody joint Mary Rivera, Fred", "restrict Frank Rivera from reports",
                                    "supersedes ord_missing", "order everything", "protect Sam"});
    CHECK_THAT(m, Catch::Contains("term 1") && Catch::Contains("no party called 'Fred'"));
    CHECK_THAT(m, Catch::Contains("term 2") && Catch::Contains("'reports' is neither a document type"));
    CHECK_THAT(m, Catch::Contains("term 3") && Catch::Contains("no court order ord_missing"));
    CHECK_THAT(m, Catch::Contains("term 4") && Catch::Contains("a term starts with custody"));
    CHECK_THAT(m, Catch::Contains("term 5") && Catch::Contains("protect PROTECTED from RESTRAINED"));
}

TEST_CASE("a name that two parties share must be given as an id", "[consent][terms]") {
    domain::CaseFacts f = family();
    f.parties[1].name = "Mary Rivera";
    domain::CourtOrder o;
    const auto st = services::apply_order_terms(o, {"custody joint Mary Rivera"}, f);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error().message, Catch::Contains("more than one party is called 'Mary Rivera'"));
}
