// Records as a vault holds them: one of each kind with every element set, with text that needs escaping
// (quotes, a backslash, a slash, a newline, a tab, a control character, accented letters). Shared by the
// stored-record fixtures test, which checks that today's codec reads the text earlier releases wrote.
#pragma once

#include "services/consent/codec.h"
#include "services/signing/envelope.h"

#include <stdexcept>
#include <string>

namespace kinvault::services::samples {

inline UnixTime day(const std::string& d) {
    UnixTime t = 0;
    if (!parse_utc(d, t)) {
        throw std::invalid_argument("not a date: " + d);
    }
    return t;
}

// Text a clinician could type: every character class the writer escapes or passes through.
inline const std::string k_awkward =
    "Dr. O\"Brien \\ notes/2026\nline\ttab \x01 caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x99\x82";

inline domain::Roi roi() {
    domain::Roi r;
    r.id = "roi_1";
    r.case_id = "case_1";
    r.document = "doc_1";
    r.kind = domain::RoiKind::general;
    r.subject = "sam";
    r.discloser = k_awkward;
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

// A draft as created: most optional elements absent.
inline domain::Roi draft_roi() {
    domain::Roi r;
    r.id = "roi_2";
    r.case_id = "case_1";
    r.document = "doc_2";
    r.subject = "sam";
    r.recipients.push_back({domain::RecipientKind::party, "lee", std::nullopt, std::nullopt});
    r.state_changed_at = day("2026-01-01");
    return r;
}

inline domain::CourtOrder order() {
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
                       k_awkward}};
    o.protective = {{{"frank"}, {"mary", "sam"}}};
    domain::CompelledRelease compel;
    compel.recipient_roles = {domain::Role::court};
    compel.categories = {domain::InfoCategory::progress_report};
    compel.sensitivity = {domain::Sensitivity::psychotherapy_notes};
    compel.text = "progress reports to the court";
    o.compels = {compel};
    return o;
}

inline LetterRecord letter() {
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
    l.revision_notes = {{day("2026-02-01"), k_awkward}};
    return l;
}

inline AgreementRecord agreement() {
    AgreementRecord a;
    a.case_id = "case_1";
    a.agreement.document = "doc_a";
    a.agreement.version = 2;
    a.agreement.state = domain::AgreementState::executed;
    a.agreement.state_changed_at = day("2025-07-01");
    a.agreement.executed_at = day("2025-07-01");
    a.agreement.mode = domain::ProcessMode::open;
    a.agreement.closed_allowances = {
        {{domain::Role::attorney}, {domain::InfoCategory::attendance}, domain::AllowanceScope::client_only}};
    a.agreement.open_allowances = {
        {{domain::Role::court}, {domain::InfoCategory::progress_report}, domain::AllowanceScope::whole_case}};
    a.agreement.implements_order = "ord_1";
    a.agreement.supersedes = "doc_a0";
    return a;
}

inline PartyFacts party_facts() {
    return {"lee", "case_1", std::string("sam"), true, std::string("lee2"), day("2026-01-01")};
}

inline DocumentFactsRecord document_facts() {
    return {"doc_1", "case_1", {"sam", "mary"}, {"mary"}};
}

inline CustodyRecordEntry custody() {
    return {
        "case_1",
        {"cr_1", "sam", domain::CustodyKind::joint, {"mary", "frank"}, day("2025-01-02"), true, k_awkward}};
}

inline ModeHistoryRecord mode_history() {
    return {"case_1",
            {{domain::ProcessMode::closed, day("2025-01-01"), ""},
             {domain::ProcessMode::open, day("2026-01-01"), "doc_a"}}};
}

inline Envelope envelope() {
    Envelope e;
    e.id = "env_1";
    e.case_id = "case_1";
    e.document_id = "doc_1";
    e.title = k_awkward;
    e.template_name = "roi";
    e.template_version = "1";
    e.purpose = "roi";
    e.roi_id = "roi_1";
    e.process_mode = "";
    e.state = EnvelopeState::sent;
    e.created_by = "u-clin";
    e.created_by_name = "Dr. Rivera";
    e.created_at = 1767225600;
    e.sent_at = 1767225660;
    e.expires_at = 1768435260;
    e.expires_in_days = 14;
    e.base_version = 1;
    e.current_version = 2;
    e.sha256_before = std::string(64, 'a');
    e.sha256_after = "";
    e.signed_version_hashes = {std::string(64, 'a'), std::string(64, 'b')};
    EnvelopeSigner parent;
    parent.slot = "parent_a";
    parent.party_id = "mary";
    parent.name = "Mary M\xC3\xBCller";
    parent.email = "mary@example.org";
    parent.role = "parent";
    parent.capacity = "parent_with_legal_custody";
    parent.authority = "order_7";
    parent.state = SignerState::completed;
    parent.notified_at = 1767225661;
    parent.viewed_at = 1767225700;
    parent.consented_at = 1767225710;
    parent.disclosure_version = "esign-2025.1";
    parent.signed_at = 1767225720;
    parent.viewed_sha256 = std::string(64, 'a');
    parent.signature_id = "sig_1";
    parent.signature_field = "Sig_parent_a";
    parent.certificate_fingerprint = std::string(64, 'f');
    parent.signing_mode = "practice-issued key";
    parent.auth_method = "link+code";
    parent.client_address = "192.0.2.1";
    parent.user_agent = "Mozilla/5.0 (X11)";
    parent.typed_signature = "Mary M\xC3\xBCller";
    parent.drawn_signature = true;
    EnvelopeSigner clinician;
    clinician.slot = "clinician";
    clinician.capacity = "clinician";
    clinician.group = 2;
    clinician.decline_reason = "";
    e.signers = {parent, clinician};
    EnvelopeField f;
    f.placement.name = "Sig_parent_a";
    f.placement.kind = pdf::FieldKind::signature;
    f.placement.signer = "parent_a";
    f.placement.page = 1;
    f.placement.rect = {72.0, 100.5, 200.25, 36.0};
    f.value = "";
    f.checked = false;
    EnvelopeField c;
    c.placement.name = "agree";
    c.placement.kind = pdf::FieldKind::checkbox;
    c.placement.signer = "parent_a";
    c.placement.page = 2;
    c.placement.rect = {0.1, 612.0, 12.0, 1e-3};
    c.checked = true;
    e.fields = {f, c};
    e.events.push_back({1767225660, "sent", "", "u-clin", "198.51.100.4", "kinvault/1.0", "session", ""});
    e.events.push_back(
        {1767225720, "signed", "parent_a", "mary", "192.0.2.1", "Mozilla/5.0 (X11)", "link+code", k_awkward});
    return e;
}

} // namespace kinvault::services::samples
