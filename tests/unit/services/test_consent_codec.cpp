// Consent records survive the trip to JSON and back (they are stored sealed as this JSON), and a wrong record
// is refused with every wrong field named.
#include "services/consent/codec.h"

#include <catch2/catch.hpp>

using namespace kinvault;
using namespace kinvault::services;

namespace {

UnixTime day(const std::string& d) {
    UnixTime t = 0;
    REQUIRE(parse_utc(d, t));
    return t;
}

domain::Roi full_roi() {
    domain::Roi r;
    r.id = "roi_1";
    r.case_id = "case_1";
    r.document = "doc_1";
    r.kind = domain::RoiKind::general;
    r.subject = "sam";
    r.discloser = "Dr. Rivera";
    r.recipients.push_back(
        {domain::RecipientKind::counsel_of_record_for, "frank", day("2026-02-01"), "mary"});
    r.recipients.push_back({domain::RecipientKind::therapist_of, "sam", std::nullopt, std::nullopt});
    r.information.doc_types = {domain::DocType::report, domain::DocType::court_order};
    r.information.categories = {domain::InfoCategory::progress_report};
    r.information.from = day("2025-01-01");
    r.information.until = day("2026-12-31");
    r.information.sensitivity = {domain::Sensitivity::substance_use};
    r.information.description = "reports";
    r.information.substance_use_description = "alcohol treatment records";
    r.purposes = {domain::Purpose::legal_proceedings, domain::Purpose::coordination_of_care};
    r.direction = domain::Direction::recipient_to_clinician;
    r.valid_from = day("2026-01-05");
    r.expiry.date = day("2027-01-01");
    r.expiry.event = domain::ExpiryEvent::other;
    r.expiry.event_description = "end of the school year";
    r.expiry.event_occurred_at = day("2026-06-15");
    r.statements = {true, false, true, false};
    r.template_version = "roi-2025.1";
    r.document_sha256 = std::string(64, 'c');
    r.decision_subjects = {domain::DecisionSubject::education};
    r.minor_consented_services = true;
    r.signatures.push_back({"mary",
                            domain::SignerCapacity::parent_legal_custody,
                            {domain::AuthorityKind::court_order, "ord_1"},
                            day("2026-01-10"),
                            "env_1"});
    r.state = domain::RoiState::suspended;
    r.state_changed_at = day("2026-02-02");
    r.activated_at = day("2026-01-10");
    r.revoked_at = day("2026-03-01");
    r.revoked_by = "mary";
    r.superseded_by = "roi_2";
    r.suspension_reason = "custody changed";
    r.reviewed_at = day("2026-02-20");
    return r;
}

} // namespace

TEST_CASE("an ROI with every element set reads back identical from its stored JSON", "[consent][codec]") {
    const domain::Roi r = full_roi();
    const std::string text = roi_to_json(r);
    const domain::Roi back = decode_text<domain::Roi>(text, roi_from_json).value();
    CHECK(roi_to_json(back) == text);
    SECTION("the fields that carry the release's scope keep their values") {
        CHECK(back.recipients.size() == 2);
        CHECK(back.recipients[0].kind == domain::RecipientKind::counsel_of_record_for);
        CHECK(back.recipients[0].revoked_at == day("2026-02-01"));
        CHECK(back.information.sensitivity.has(domain::Sensitivity::substance_use));
        CHECK_FALSE(back.information.sensitivity.has(domain::Sensitivity::psychotherapy_notes));
        CHECK(back.direction == domain::Direction::recipient_to_clinician);
        CHECK(back.expiry.event == domain::ExpiryEvent::other);
        CHECK(back.statements.redisclosure);
        CHECK_FALSE(back.statements.treatment_not_conditioned);
        CHECK(back.signatures[0].authority.kind == domain::AuthorityKind::court_order);
        CHECK(back.state == domain::RoiState::suspended);
        CHECK(back.minor_consented_services);
    }
}

TEST_CASE("input may spell enum values with underscores and dates without a time", "[consent][codec]") {
    const auto obj = json::parse_value(R"({"subject":"sam","purposes":["coordination_of_care"],
        "direction":"clinician_to_recipient","expiry":{"date":"2027-01-01"},
        "signatures":[{"signer":"mary","capacity":"parent_with_legal_custody"}]})",
                                       "test")
                         .value();
    const auto roi = roi_from_json(obj);
    REQUIRE(roi.ok());
    CHECK(roi->purposes == std::vector<domain::Purpose>{domain::Purpose::coordination_of_care});
    CHECK(roi->direction == domain::Direction::clinician_to_recipient);
    CHECK(roi->expiry.date == day("2027-01-01"));
    CHECK(roi->signatures[0].capacity == domain::SignerCapacity::parent_legal_custody);
}

TEST_CASE("a wrong ROI is refused naming every wrong field at once", "[consent][codec]") {
    const auto obj = json::parse_value(R"({"kind":"secret","purposes":["fishing"],
        "expiry":{"date":"next year"},"recipients":[{"kind":"party"}],"statements":{"redisclosure":"yes"}})",
                                       "test")
                         .value();
    const auto roi = roi_from_json(obj);
    REQUIRE_FALSE(roi.ok());
    CHECK(roi.error().code == Errc::invalid_input);
    const std::string& m = roi.error().message;
    // Each wrong field by its path, in the strict reader's words ("path: problem").
    CHECK_THAT(m, Catch::Contains("kind: 'secret' is not one of general, psychotherapy-notes"));
    CHECK_THAT(m, Catch::Contains("purposes[0]: 'fishing'"));
    CHECK_THAT(m, Catch::Contains("expiry.date: must be a date"));
    CHECK_THAT(m, Catch::Contains("recipients[0].party: missing"));
    CHECK_THAT(m, Catch::Contains("statements.redisclosure: expected true or false, got a string"));
}

TEST_CASE("a court order with every kind of term reads back identical", "[consent][codec]") {
    domain::CourtOrder o;
    o.id = "ord_1";
    o.case_id = "case_1";
    o.document = "doc_o";
    o.kind = domain::OrderKind::support_plan;
    o.court = "Superior Court";
    o.case_number = "FL-1";
    o.document_sha256 = std::string(64, 'd');
    o.issued_at = day("2025-05-20");
    o.effective_at = day("2025-06-01");
    o.expires_at = day("2027-06-01");
    o.status = domain::OrderStatus::verified;
    o.status_changed_at = day("2025-06-02");
    o.verified_by = "u-clin";
    o.verified_at = day("2025-06-02");
    o.areas = {domain::SubjectArea::therapy};
    o.supersedes = {{"ord_0", {domain::SubjectArea::legal_custody}}};
    o.custody = {{{"sam"}, domain::CustodyKind::sole, {"mary"}}};
    o.mutual_consent = {{{}, {domain::DecisionSubject::mental_health_treatment}}};
    o.restrictions = {{{"frank"},
                       {domain::Role::attorney},
                       {domain::DocType::report},
                       {domain::InfoCategory::session_summary},
                       {"sam"},
                       "no reports"}};
    o.protective = {{{"frank"}, {"mary", "sam"}}};
    domain::CompelledRelease compel;
    compel.recipient_roles = {domain::Role::court};
    compel.categories = {domain::InfoCategory::progress_report};
    compel.sensitivity = {domain::Sensitivity::psychotherapy_notes};
    compel.text = "progress reports to the court";
    o.compels = {compel};
    const std::string text = order_to_json(o);
    const auto back = decode_text<domain::CourtOrder>(text, order_from_json);
    REQUIRE(back.ok());
    CHECK(order_to_json(*back) == text);
    CHECK(back->protective[0].protected_parties == std::vector<std::string>{"mary", "sam"});
    CHECK(back->compels[0].sensitivity.has(domain::Sensitivity::psychotherapy_notes));
}

TEST_CASE(
    "letters, agreements, party and document facts, custody records and mode history read back identical",
    "[consent][codec]") {
    SECTION("a letter with its revision notes") {
        LetterRecord l;
        l.id = "ltr_1";
        l.case_id = "case_1";
        l.document_id = "doc_l";
        l.letter.author = "frank";
        l.letter.child = "sam";
        l.letter.state = domain::LetterState::released;
        l.letter.release_targets = {"lee"};
        l.letter.state_changed_at = day("2026-02-10");
        l.letter.released_at = day("2026-02-10");
        l.revision_notes = {{day("2026-02-01"), "less blame"}};
        const std::string text = letter_to_json(l);
        CHECK(letter_to_json(decode_text<LetterRecord>(text, letter_from_json).value()) == text);
    }
    SECTION("an agreement with its allowances") {
        AgreementRecord a;
        a.case_id = "case_1";
        a.agreement.document = "doc_a";
        a.agreement.version = 2;
        a.agreement.state = domain::AgreementState::executed;
        a.agreement.executed_at = day("2025-07-01");
        a.agreement.mode = domain::ProcessMode::open;
        a.agreement.closed_allowances = {{{domain::Role::attorney},
                                          {domain::InfoCategory::attendance},
                                          domain::AllowanceScope::client_only}};
        a.agreement.open_allowances = {{{domain::Role::court},
                                        {domain::InfoCategory::progress_report},
                                        domain::AllowanceScope::whole_case}};
        a.agreement.supersedes = "doc_a0";
        const std::string text = agreement_to_json(a);
        CHECK(agreement_to_json(decode_text<AgreementRecord>(text, agreement_from_json).value()) == text);
    }
    SECTION("party facts, document facts, custody records and the mode history") {
        PartyFacts p{"lee", "case_1", std::string("sam"), true, std::string("lee2"), day("2026-01-01")};
        const std::string pt = party_facts_to_json(p);
        CHECK(party_facts_to_json(decode_text<PartyFacts>(pt, party_facts_from_json).value()) == pt);
        DocumentFactsRecord d{"doc_1", "case_1", {"sam", "mary"}, {"mary"}};
        const std::string dt = document_facts_to_json(d);
        CHECK(document_facts_to_json(
                  decode_text<DocumentFactsRecord>(dt, document_facts_from_json).value()) == dt);
        CustodyRecordEntry c{"case_1",
                             {"cr_1",
                              "sam",
                              domain::CustodyKind::joint,
                              {"mary", "frank"},
                              day("2025-01-02"),
                              true,
                              "married, no order"}};
        const std::string ct = custody_to_json(c);
        CHECK(custody_to_json(decode_text<CustodyRecordEntry>(ct, custody_from_json).value()) == ct);
        ModeHistoryRecord m{"case_1",
                            {{domain::ProcessMode::closed, day("2025-01-01"), ""},
                             {domain::ProcessMode::open, day("2026-01-01"), "doc_a"}}};
        const std::string mt = mode_history_to_json(m);
        CHECK(mode_history_to_json(decode_text<ModeHistoryRecord>(mt, mode_history_from_json).value()) == mt);
    }
}
