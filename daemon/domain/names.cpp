// Wire names of the domain enums. They are persisted (storage), shown (CLI) and sent (API): never rename one.
#include "domain/agreement.h"
#include "domain/authority.h"
#include "domain/court_order.h"
#include "domain/document.h"
#include "domain/letter.h"
#include "domain/party.h"
#include "domain/readiness.h"
#include "domain/release.h"
#include "domain/roi.h"

#include "common/enum_names.h"

namespace kinvault::domain {

namespace {

constexpr EnumNames<PartyStatus, 3> k_party_status{{
    {PartyStatus::active, "active"},
    {PartyStatus::substituted, "substituted"},
    {PartyStatus::withdrawn, "withdrawn"},
}};

constexpr EnumNames<InfoCategory, 8> k_info_category{{
    {InfoCategory::general, "general"},
    {InfoCategory::attendance, "attendance"},
    {InfoCategory::payment, "payment"},
    {InfoCategory::progress_report, "progress-report"},
    {InfoCategory::assessment, "assessment"},
    {InfoCategory::session_summary, "session-summary"},
    {InfoCategory::correspondence, "correspondence"},
    {InfoCategory::legal, "legal"},
}};

constexpr EnumNames<Sensitivity, 2> k_sensitivity{{
    {Sensitivity::psychotherapy_notes, "psychotherapy-notes"},
    {Sensitivity::substance_use, "substance-use"},
}};

constexpr EnumNames<LetterState, 8> k_letter_state{{
    {LetterState::draft, "draft"},
    {LetterState::submitted, "submitted"},
    {LetterState::revisions_requested, "revisions-requested"},
    {LetterState::revised, "revised"},
    {LetterState::approved, "approved"},
    {LetterState::released, "released"},
    {LetterState::archived, "archived"},
    {LetterState::withdrawn, "withdrawn"},
}};

constexpr EnumNames<OrderKind, 2> k_order_kind{{
    {OrderKind::court_order, "court-order"},
    {OrderKind::support_plan, "support-plan"},
}};

constexpr EnumNames<OrderStatus, 6> k_order_status{{
    {OrderStatus::received, "received"},
    {OrderStatus::verified, "verified"},
    {OrderStatus::active, "active"},
    {OrderStatus::superseded, "superseded"},
    {OrderStatus::vacated, "vacated"},
    {OrderStatus::expired, "expired"},
}};

constexpr EnumNames<SubjectArea, 7> k_subject_area{{
    {SubjectArea::legal_custody, "legal-custody"},
    {SubjectArea::physical_custody, "physical-custody"},
    {SubjectArea::information_sharing, "information-sharing"},
    {SubjectArea::contact, "contact"},
    {SubjectArea::protective, "protective"},
    {SubjectArea::therapy, "therapy"},
    {SubjectArea::release, "release"},
}};

constexpr EnumNames<CustodyKind, 2> k_custody_kind{{
    {CustodyKind::sole, "sole"},
    {CustodyKind::joint, "joint"},
}};

constexpr EnumNames<DecisionSubject, 5> k_decision_subject{{
    {DecisionSubject::mental_health_treatment, "mental-health-treatment"},
    {DecisionSubject::release_of_information, "release-of-information"},
    {DecisionSubject::medical, "medical"},
    {DecisionSubject::education, "education"},
    {DecisionSubject::other, "other"},
}};

constexpr EnumNames<RoiState, 7> k_roi_state{{
    {RoiState::draft, "draft"},
    {RoiState::pending_signatures, "pending-signatures"},
    {RoiState::active, "active"},
    {RoiState::expired, "expired"},
    {RoiState::revoked, "revoked"},
    {RoiState::superseded, "superseded"},
    {RoiState::suspended, "suspended"},
}};

constexpr EnumNames<RoiKind, 2> k_roi_kind{{
    {RoiKind::general, "general"},
    {RoiKind::psychotherapy_notes, "psychotherapy-notes"},
}};

constexpr EnumNames<Direction, 3> k_direction{{
    {Direction::clinician_to_recipient, "clinician-to-recipient"},
    {Direction::recipient_to_clinician, "recipient-to-clinician"},
    {Direction::both, "both"},
}};

constexpr EnumNames<RecipientKind, 3> k_recipient_kind{{
    {RecipientKind::party, "party"},
    {RecipientKind::counsel_of_record_for, "counsel-of-record-for"},
    {RecipientKind::therapist_of, "therapist-of"},
}};

constexpr EnumNames<Purpose, 6> k_purpose{{
    {Purpose::treatment, "treatment"},
    {Purpose::coordination_of_care, "coordination-of-care"},
    {Purpose::reunification_therapy, "reunification-therapy"},
    {Purpose::legal_proceedings, "legal-proceedings"},
    {Purpose::payment, "payment"},
    {Purpose::at_request_of_individual, "at-request-of-individual"},
}};

constexpr EnumNames<SignerCapacity, 4> k_signer_capacity{{
    {SignerCapacity::self, "self"},
    {SignerCapacity::parent_legal_custody, "parent-legal-custody"},
    {SignerCapacity::guardian, "guardian"},
    {SignerCapacity::minor_self, "minor-self"},
}};

constexpr EnumNames<ExpiryEvent, 4> k_expiry_event{{
    {ExpiryEvent::none, "none"},
    {ExpiryEvent::subject_reaches_majority, "subject-reaches-majority"},
    {ExpiryEvent::case_closed, "case-closed"},
    {ExpiryEvent::other, "other"},
}};

constexpr EnumNames<AuthorityKind, 3> k_authority_kind{{
    {AuthorityKind::none, "none"},
    {AuthorityKind::court_order, "court-order"},
    {AuthorityKind::custody_record, "custody-record"},
}};

constexpr EnumNames<RoiDefectCode, 29> k_defect{{
    {RoiDefectCode::document_missing, "document-missing"},
    {RoiDefectCode::subject_missing, "subject-missing"},
    {RoiDefectCode::subject_unknown, "subject-unknown"},
    {RoiDefectCode::discloser_missing, "discloser-missing"},
    {RoiDefectCode::recipients_missing, "recipients-missing"},
    {RoiDefectCode::recipient_unknown, "recipient-unknown"},
    {RoiDefectCode::information_missing, "information-missing"},
    {RoiDefectCode::information_description_missing, "information-description-missing"},
    {RoiDefectCode::date_range_inverted, "date-range-inverted"},
    {RoiDefectCode::psychotherapy_notes_on_general_roi, "psychotherapy-notes-on-general-roi"},
    {RoiDefectCode::psychotherapy_roi_without_notes, "psychotherapy-roi-without-notes"},
    {RoiDefectCode::psychotherapy_roi_combined, "psychotherapy-roi-combined"},
    {RoiDefectCode::substance_use_not_described, "substance-use-not-described"},
    {RoiDefectCode::purposes_missing, "purposes-missing"},
    {RoiDefectCode::expiry_missing, "expiry-missing"},
    {RoiDefectCode::expiry_date_missing, "expiry-date-missing"},
    {RoiDefectCode::expiry_event_undescribed, "expiry-event-undescribed"},
    {RoiDefectCode::expiry_before_start, "expiry-before-start"},
    {RoiDefectCode::statement_right_to_revoke_missing, "statement-right-to-revoke-missing"},
    {RoiDefectCode::statement_conditioning_missing, "statement-conditioning-missing"},
    {RoiDefectCode::statement_redisclosure_missing, "statement-redisclosure-missing"},
    {RoiDefectCode::statement_right_to_copy_missing, "statement-right-to-copy-missing"},
    {RoiDefectCode::template_version_missing, "template-version-missing"},
    {RoiDefectCode::document_hash_invalid, "document-hash-invalid"},
    {RoiDefectCode::minor_consent_subject_not_child, "minor-consent-subject-not-child"},
    {RoiDefectCode::signer_unknown, "signer-unknown"},
    {RoiDefectCode::signer_capacity_mismatch, "signer-capacity-mismatch"},
    {RoiDefectCode::signer_authority_missing, "signer-authority-missing"},
    {RoiDefectCode::signature_undated, "signature-undated"},
}};

constexpr EnumNames<AgreementState, 6> k_agreement_state{{
    {AgreementState::draft, "draft"},
    {AgreementState::sent, "sent"},
    {AgreementState::partially_signed, "partially-signed"},
    {AgreementState::executed, "executed"},
    {AgreementState::superseded, "superseded"},
    {AgreementState::terminated, "terminated"},
}};

constexpr EnumNames<AllowanceScope, 2> k_allowance_scope{{
    {AllowanceScope::whole_case, "whole-case"},
    {AllowanceScope::client_only, "client-only"},
}};

constexpr EnumNames<RuleCode, 26> k_rule_code{{
    {RuleCode::default_deny, "R1.default-deny"},
    {RuleCode::wrong_case, "R1.wrong-case"},
    {RuleCode::not_a_party, "R1.not-a-party"},
    {RuleCode::clinician, "R1.clinician"},
    {RuleCode::own_record, "R1.own-record"},
    {RuleCode::own_information, "R1.own-information"},
    {RuleCode::envelope_party, "R1.envelope-party"},
    {RuleCode::court_order_compels, "R1.court-order"},
    {RuleCode::order_restriction, "R2.order-restriction"},
    {RuleCode::protective_order, "R2.protective-order"},
    {RuleCode::roi_permits, "R3.roi"},
    {RuleCode::roi_not_in_force, "R3.not-in-force"},
    {RuleCode::roi_defective, "R3.defective"},
    {RuleCode::roi_scope, "R3.scope"},
    {RuleCode::roi_purpose, "R3.purpose"},
    {RuleCode::roi_direction, "R3.direction"},
    {RuleCode::roi_sensitive, "R3.sensitive"},
    {RuleCode::no_authority, "R5.authority"},
    {RuleCode::closed_process, "R6.closed-process"},
    {RuleCode::agreement_allowance, "R6.agreement"},
    {RuleCode::revoked, "R7.revoked"},
    {RuleCode::custody_changed, "R8.custody-change"},
    {RuleCode::counsel_substituted, "R9.counsel-substituted"},
    {RuleCode::subject_adult, "R10.subject-adult"},
    {RuleCode::letter_unreleased, "CL.unreleased"},
    {RuleCode::letter_release, "CL.release-target"},
}};

constexpr EnumNames<BasisKind, 9> k_basis_kind{{
    {BasisKind::none, "none"},
    {BasisKind::clinician, "clinician"},
    {BasisKind::own_record, "own-record"},
    {BasisKind::own_information, "own-information"},
    {BasisKind::envelope, "envelope"},
    {BasisKind::letter_release, "letter-release"},
    {BasisKind::court_order, "court-order"},
    {BasisKind::agreement, "agreement"},
    {BasisKind::roi, "roi"},
}};

constexpr EnumNames<ObligationKind, 4> k_obligation_kind{{
    {ObligationKind::redisclosure_notice, "redisclosure-notice"},
    {ObligationKind::part2_notice, "part2-notice"},
    {ObligationKind::use_limit, "use-limit"},
    {ObligationKind::expiry, "expiry"},
}};

constexpr EnumNames<LinkState, 7> k_link_state{{
    {LinkState::missing, "missing"},
    {LinkState::expired, "expired"},
    {LinkState::revoked, "revoked"},
    {LinkState::suspended, "suspended"},
    {LinkState::pending, "pending"},
    {LinkState::expiring, "expiring"},
    {LinkState::active, "active"},
}};

} // namespace

std::string_view to_string(PartyStatus s) {
    return enum_name(k_party_status, s);
}
std::optional<PartyStatus> parse_party_status(std::string_view text) {
    return enum_value(k_party_status, text);
}
std::string_view to_string(InfoCategory c) {
    return enum_name(k_info_category, c);
}
std::optional<InfoCategory> parse_info_category(std::string_view text) {
    return enum_value(k_info_category, text);
}
std::string_view to_string(Sensitivity s) {
    return enum_name(k_sensitivity, s);
}
std::optional<Sensitivity> parse_sensitivity(std::string_view text) {
    return enum_value(k_sensitivity, text);
}
std::string_view to_string(LetterState s) {
    return enum_name(k_letter_state, s);
}
std::optional<LetterState> parse_letter_state(std::string_view text) {
    return enum_value(k_letter_state, text);
}
std::string_view to_string(OrderKind k) {
    return enum_name(k_order_kind, k);
}
std::optional<OrderKind> parse_order_kind(std::string_view text) {
    return enum_value(k_order_kind, text);
}
std::string_view to_string(OrderStatus s) {
    return enum_name(k_order_status, s);
}
std::optional<OrderStatus> parse_order_status(std::string_view text) {
    return enum_value(k_order_status, text);
}
std::string_view to_string(SubjectArea a) {
    return enum_name(k_subject_area, a);
}
std::optional<SubjectArea> parse_subject_area(std::string_view text) {
    return enum_value(k_subject_area, text);
}
std::string_view to_string(CustodyKind k) {
    return enum_name(k_custody_kind, k);
}
std::optional<CustodyKind> parse_custody_kind(std::string_view text) {
    return enum_value(k_custody_kind, text);
}
std::string_view to_string(DecisionSubject s) {
    return enum_name(k_decision_subject, s);
}
std::optional<DecisionSubject> parse_decision_subject(std::string_view text) {
    return enum_value(k_decision_subject, text);
}
std::string_view to_string(RoiState s) {
    return enum_name(k_roi_state, s);
}
std::optional<RoiState> parse_roi_state(std::string_view text) {
    return enum_value(k_roi_state, text);
}
std::string_view to_string(RoiKind k) {
    return enum_name(k_roi_kind, k);
}
std::optional<RoiKind> parse_roi_kind(std::string_view text) {
    return enum_value(k_roi_kind, text);
}
std::string_view to_string(Direction d) {
    return enum_name(k_direction, d);
}
std::optional<Direction> parse_direction(std::string_view text) {
    return enum_value(k_direction, text);
}
std::string_view to_string(RecipientKind k) {
    return enum_name(k_recipient_kind, k);
}
std::optional<RecipientKind> parse_recipient_kind(std::string_view text) {
    return enum_value(k_recipient_kind, text);
}
std::string_view to_string(Purpose p) {
    return enum_name(k_purpose, p);
}
std::optional<Purpose> parse_purpose(std::string_view text) {
    return enum_value(k_purpose, text);
}
std::string_view to_string(SignerCapacity c) {
    return enum_name(k_signer_capacity, c);
}
std::optional<SignerCapacity> parse_signer_capacity(std::string_view text) {
    return enum_value(k_signer_capacity, text);
}
std::string_view to_string(ExpiryEvent e) {
    return enum_name(k_expiry_event, e);
}
std::optional<ExpiryEvent> parse_expiry_event(std::string_view text) {
    return enum_value(k_expiry_event, text);
}
std::string_view to_string(AuthorityKind k) {
    return enum_name(k_authority_kind, k);
}
std::optional<AuthorityKind> parse_authority_kind(std::string_view text) {
    return enum_value(k_authority_kind, text);
}
std::string_view to_string(RoiDefectCode c) {
    return enum_name(k_defect, c);
}
std::string_view to_string(AgreementState s) {
    return enum_name(k_agreement_state, s);
}
std::optional<AgreementState> parse_agreement_state(std::string_view text) {
    return enum_value(k_agreement_state, text);
}
std::string_view to_string(AllowanceScope s) {
    return enum_name(k_allowance_scope, s);
}
std::optional<AllowanceScope> parse_allowance_scope(std::string_view text) {
    return enum_value(k_allowance_scope, text);
}
std::string_view to_string(Effect e) {
    return e == Effect::permit ? "permit" : "deny";
}
std::string_view to_string(RuleCode r) {
    return enum_name(k_rule_code, r);
}
std::optional<RuleCode> parse_rule_code(std::string_view text) {
    return enum_value(k_rule_code, text);
}
std::string_view to_string(BasisKind b) {
    return enum_name(k_basis_kind, b);
}
std::string_view to_string(ObligationKind o) {
    return enum_name(k_obligation_kind, o);
}
std::string_view to_string(Action a) {
    return a == Action::read ? "read" : "list";
}
std::string_view to_string(LinkState s) {
    return enum_name(k_link_state, s);
}
std::string_view to_string(RequirementMode m) {
    return m == RequirementMode::any_of ? "any-of" : "all-of";
}
std::string_view to_string(ReviewReason r) {
    return r == ReviewReason::custody_changed ? "custody-changed" : "subject-reached-majority";
}

std::string_view Decision::rule_code() const {
    return to_string(rule);
}

} // namespace kinvault::domain
