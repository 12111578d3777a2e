// Consent records <-> JSON. One shape serves the sealed records at rest and the API: enum values are the
// domain's names ("parent-legal-custody"; "parent_legal_custody" is accepted on input too), times are RFC
// 3339 UTC ("2026-03-01T00:00:00Z"; a plain "2026-03-01" is accepted on input). Decoding names every wrong
// field at once, so a clinician fixes a record in one go.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/agreement.h"
#include "domain/case_facts.h"
#include "domain/court_order.h"
#include "domain/letter.h"
#include "domain/readiness.h"
#include "domain/release.h"
#include "domain/roi.h"

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

// Sealed record kinds (storage::SealedRecord::kind) of the consent workflow.
inline constexpr const char* k_kind_roi = "roi";
inline constexpr const char* k_kind_order = "order";
inline constexpr const char* k_kind_letter = "letter";
inline constexpr const char* k_kind_agreement = "agreement";
inline constexpr const char* k_kind_custody = "custody";
inline constexpr const char* k_kind_party_facts = "party-facts";
inline constexpr const char* k_kind_document_facts = "document-facts";
inline constexpr const char* k_kind_process_mode = "process-mode";

// A clarification letter as stored: the domain's lifecycle plus the clinician's revision notes.
struct RevisionNote {
    UnixTime at{0};
    std::string text;
};

struct LetterRecord {
    std::string id;
    std::string case_id;
    std::string document_id;
    domain::ClarificationLetter letter;
    std::vector<RevisionNote> revision_notes;
};

// What the consent rules know about a party beyond storage::PartyRecord: the child a therapist treats,
// whether that child consented to the treatment personally (rule 5), and counsel substitution (rule 9).
struct PartyFacts {
    std::string party_id;
    std::string case_id;
    std::optional<std::string> treats;
    bool minor_consented_treatment{false};
    std::optional<std::string> successor;
    std::optional<UnixTime> status_since;
};

// Whose information a document holds and whose contact details it shows, as the clinician classified it.
// Category and sensitivity live in the document row itself (storage::DocumentRecord).
struct DocumentFactsRecord {
    std::string document_id;
    std::string case_id;
    std::vector<std::string> subjects;
    std::vector<std::string> contact_details_of;
};

struct AgreementRecord {
    std::string case_id;
    domain::Agreement agreement;
};

struct CustodyRecordEntry {
    std::string case_id;
    domain::CustodyRecord record;
};

struct ModeHistoryRecord {
    std::string case_id;
    std::vector<domain::ModeChange> changes;
};

// Enum values as text; input accepts '_' for '-' and any case.
[[nodiscard]] std::string normalise_name(std::string_view text);

[[nodiscard]] Poco::JSON::Object::Ptr roi_to_json(const domain::Roi& roi);
[[nodiscard]] Result<domain::Roi> roi_from_json(const Poco::JSON::Object::Ptr& json);
[[nodiscard]] Poco::JSON::Object::Ptr signature_to_json(const domain::RoiSignature& s);
[[nodiscard]] Result<domain::RoiSignature> signature_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr order_to_json(const domain::CourtOrder& order);
[[nodiscard]] Result<domain::CourtOrder> order_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr agreement_to_json(const AgreementRecord& a);
[[nodiscard]] Result<AgreementRecord> agreement_from_json(const Poco::JSON::Object::Ptr& json);
[[nodiscard]] Poco::JSON::Object::Ptr allowance_to_json(const domain::AgreementAllowance& a);
[[nodiscard]] Result<domain::AgreementAllowance> allowance_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr letter_to_json(const LetterRecord& l);
[[nodiscard]] Result<LetterRecord> letter_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr party_facts_to_json(const PartyFacts& p);
[[nodiscard]] Result<PartyFacts> party_facts_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr document_facts_to_json(const DocumentFactsRecord& d);
[[nodiscard]] Result<DocumentFactsRecord> document_facts_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr custody_to_json(const CustodyRecordEntry& c);
[[nodiscard]] Result<CustodyRecordEntry> custody_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr mode_history_to_json(const ModeHistoryRecord& m);
[[nodiscard]] Result<ModeHistoryRecord> mode_history_from_json(const Poco::JSON::Object::Ptr& json);

[[nodiscard]] Poco::JSON::Object::Ptr decision_to_json(const domain::Decision& d);
[[nodiscard]] Poco::JSON::Object::Ptr readiness_to_json(const domain::CaseReadiness& r);
[[nodiscard]] Poco::JSON::Object::Ptr defect_to_json(const domain::RoiDefect& d);

// Compact JSON text, and parsing text into an object (Errc::invalid_input when it is not a JSON object).
[[nodiscard]] std::string json_text(const Poco::JSON::Object::Ptr& json);
[[nodiscard]] Result<Poco::JSON::Object::Ptr> parse_json_object(const std::string& text);

// Storage round trips: encode to JSON text, decode from it.
template <typename T>
[[nodiscard]] Result<T> decode_text(const std::string& text,
                                    Result<T> (*from)(const Poco::JSON::Object::Ptr&)) {
    const auto obj = KV_TRY_VALUE(parse_json_object(text));
    return from(obj);
}

} // namespace kinvault::services
