// Releases of information as structured records (domain.md, "What an ROI must carry"; HIPAA 45 CFR
// 164.508(c), CA Civil Code 56.11, 42 CFR 2.31). The signed PDF is the legal instrument; this record is what
// the release engine matches against, linked to that PDF by document id and SHA-256.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/court_order.h"
#include "domain/document.h"
#include "domain/ids.h"
#include "domain/policy.h"
#include "domain/types.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::domain {

struct CaseFacts;

// "Defective" is a validation result (validate_roi), not a state.
enum class RoiState { draft, pending_signatures, active, expired, revoked, superseded, suspended };

// Psychotherapy notes need an authorization of their own (45 CFR 164.508(a)(2), (b)(3)(ii)).
enum class RoiKind { general, psychotherapy_notes };

// Which way information flows between the practice's clinician and the recipient.
enum class Direction { clinician_to_recipient, recipient_to_clinician, both };

// A recipient named as a person, or as a function resolved when a release is requested (rule 9).
enum class RecipientKind {
    party,                 // this party, individually: does not pass to a successor
    counsel_of_record_for, // whoever is active counsel for `party` at the time of the request
    therapist_of,          // whoever is an active individual therapist of the child `party`
};

enum class Purpose {
    treatment,
    coordination_of_care,
    reunification_therapy,
    legal_proceedings,
    payment,
    at_request_of_individual, // 45 CFR 164.508(c)(1)(iv)
};

enum class SignerCapacity { self, parent_legal_custody, guardian, minor_self };

enum class ExpiryEvent {
    none,
    subject_reaches_majority, // computed from the subject's date of birth
    case_closed,              // the reunification case is closed
    other,                    // described in words, recorded when it happens
};

enum class AuthorityKind { none, court_order, custody_record };

struct AuthorityRef {
    AuthorityKind kind{AuthorityKind::none};
    std::string id;
};

struct RoiRecipient {
    RecipientKind kind{RecipientKind::party};
    PartyId party;
    std::optional<UnixTime> revoked_at; // per-recipient revocation (domain.md)
    std::optional<PartyId> revoked_by;
};

// The described information. A document is covered when its type or its category is listed (both empty:
// nothing is covered and the ROI is defective), it dates from inside [from, until], and every sensitivity
// flag it carries is listed here.
struct InformationCovered {
    std::vector<DocType> doc_types;
    std::vector<InfoCategory> categories;
    std::optional<UnixTime> from;
    std::optional<UnixTime> until;
    SensitivitySet sensitivity;
    std::string description;               // the words on the form
    std::string substance_use_description; // 42 CFR 2.31(a)(3), required when substance_use is listed
};

// The earlier of the date and the event governs.
struct RoiExpiry {
    std::optional<UnixTime> date;
    ExpiryEvent event{ExpiryEvent::none};
    std::string event_description;
    std::optional<UnixTime> event_occurred_at; // ExpiryEvent::other: when it was recorded
};

// 45 CFR 164.508(c)(2)(i)-(iii) and (c)(4); CA Civil Code 56.11.
struct RequiredStatements {
    bool right_to_revoke{false};
    bool treatment_not_conditioned{false};
    bool redisclosure{false};
    bool right_to_copy{false};
};

struct RoiSignature {
    PartyId signer;
    SignerCapacity capacity{SignerCapacity::self};
    // 45 CFR 164.508(c)(1)(vi): a signature for another person describes the authority relied on.
    AuthorityRef authority;
    UnixTime signed_at{0};
    std::string evidence; // envelope id, or the id of the scanned paper ROI
};

struct Roi {
    RoiId id;
    CaseId case_id;
    DocumentId document;
    RoiKind kind{RoiKind::general};
    PartyId subject;       // whose information
    std::string discloser; // the practice / clinician authorised to disclose
    std::vector<RoiRecipient> recipients;
    InformationCovered information;
    std::vector<Purpose> purposes;
    Direction direction{Direction::both};
    std::optional<UnixTime> valid_from;
    RoiExpiry expiry;
    RequiredStatements statements;
    std::string template_version;
    std::string document_sha256; // lower-case hex of the rendered ROI
    // The decisions this release touches, for mutual-consent custody terms (rule 5).
    std::vector<DecisionSubject> decision_subjects{DecisionSubject::release_of_information,
                                                   DecisionSubject::mental_health_treatment};
    // Information about services the minor consented to personally: only the minor authorises (rule 5).
    bool minor_consented_services{false};

    std::vector<RoiSignature> signatures;
    RoiState state{RoiState::draft};
    UnixTime state_changed_at{0};
    std::optional<UnixTime> activated_at;
    std::optional<UnixTime> revoked_at;
    std::optional<PartyId> revoked_by;
    std::optional<RoiId> superseded_by;
    std::string suspension_reason;
    // Clinician review after a suspension (rule 8): a loss of authority that had already happened at this
    // time was reviewed, so that signature simply stops counting instead of suspending the ROI again.
    std::optional<UnixTime> reviewed_at;
};

[[nodiscard]] bool covers_outbound(Direction d); // clinician -> recipient
[[nodiscard]] bool covers_inbound(Direction d);  // recipient -> clinician

// When the ROI stops authorising: the earlier of its date and its event (the subject's majority is computed
// from the date of birth in `facts`, case closure from the case). nullopt: no end is known yet.
[[nodiscard]] std::optional<UnixTime> roi_end(const Roi& roi, const CaseFacts& facts, const Policy& policy);

// Everything missing or contradictory, one entry per element, so the clinician fixes all of them at once.
enum class RoiDefectCode {
    document_missing,
    subject_missing,
    subject_unknown,
    discloser_missing,
    recipients_missing,
    recipient_unknown,
    information_missing,
    information_description_missing,
    date_range_inverted,
    psychotherapy_notes_on_general_roi,
    psychotherapy_roi_without_notes,
    psychotherapy_roi_combined,
    substance_use_not_described,
    purposes_missing,
    expiry_missing,
    expiry_date_missing,
    expiry_event_undescribed,
    expiry_before_start,
    statement_right_to_revoke_missing,
    statement_conditioning_missing,
    statement_redisclosure_missing,
    statement_right_to_copy_missing,
    template_version_missing,
    document_hash_invalid,
    minor_consent_subject_not_child,
    signer_unknown,
    signer_capacity_mismatch,
    signer_authority_missing,
    signature_undated,
};

struct RoiDefect {
    RoiDefectCode code{RoiDefectCode::document_missing};
    std::string field;   // the record field at fault, e.g. "recipients[1].party"
    std::string message; // plain words for the clinician
};

[[nodiscard]] std::vector<RoiDefect> validate_roi(const Roi& roi, const CaseFacts& facts,
                                                  const Policy& policy);
// "missing: a, b, c" in one line for an error message.
[[nodiscard]] std::string describe_defects(const std::vector<RoiDefect>& defects);

// State machine of domain.md: draft -> pending_signatures -> active -> expired | revoked | superseded |
// suspended; suspended -> active after clinician review, or -> revoked | expired | superseded. A renewal is a
// new ROI: terminal states never move. The operations with preconditions are in roi_lifecycle.h.
[[nodiscard]] bool roi_transition_allowed(RoiState from, RoiState to);

[[nodiscard]] std::string_view to_string(RoiState s);
[[nodiscard]] std::optional<RoiState> parse_roi_state(std::string_view text);
[[nodiscard]] std::string_view to_string(RoiKind k);
[[nodiscard]] std::optional<RoiKind> parse_roi_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(Direction d);
[[nodiscard]] std::optional<Direction> parse_direction(std::string_view text);
[[nodiscard]] std::string_view to_string(RecipientKind k);
[[nodiscard]] std::optional<RecipientKind> parse_recipient_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(Purpose p);
[[nodiscard]] std::optional<Purpose> parse_purpose(std::string_view text);
[[nodiscard]] std::string_view to_string(SignerCapacity c);
[[nodiscard]] std::optional<SignerCapacity> parse_signer_capacity(std::string_view text);
[[nodiscard]] std::string_view to_string(ExpiryEvent e);
[[nodiscard]] std::optional<ExpiryEvent> parse_expiry_event(std::string_view text);
[[nodiscard]] std::string_view to_string(AuthorityKind k);
[[nodiscard]] std::optional<AuthorityKind> parse_authority_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(RoiDefectCode c);

} // namespace kinvault::domain
