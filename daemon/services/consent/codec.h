// Consent records <-> JSON. One shape serves the sealed records at rest and the API: enum values are the
// domain's names ("parent-legal-custody"; "parent_legal_custody" is accepted on input too), times are RFC
// 3339 UTC ("2026-03-01T00:00:00Z"; a plain "2026-03-01" is accepted on input). Reading goes through the
// strict JSON reader (json/reader.h) and names every wrong field by its path at once, so a clinician fixes a
// request in one go; writing goes through the one canonical writer (json/writer.h).
//
// Unknown keys: a record at rest tolerates keys it does not know (a vault written by another release must
// open, and a sealed record is authenticated, so nobody slips a key into it). A request body's nested
// objects refuse them, except the ones an ROI read back carries (the CLI edits an ROI by sending back what
// it read); its top level is the route's to judge.
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

#include "json/reader.h"
#include "json/value.h"

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

// Request bodies: read from an object of the strict reader; what is wrong goes to its problems, by path.
[[nodiscard]] domain::Roi read_roi(json::Object& o);
[[nodiscard]] domain::CourtOrder read_order(json::Object& o);
[[nodiscard]] domain::AgreementAllowance read_allowance(json::Object& o);

// Whole values (records at rest, tests): every problem in one Errc::invalid_input.
[[nodiscard]] Result<domain::Roi> roi_from_json(const json::Value& json);
[[nodiscard]] Result<domain::RoiSignature> signature_from_json(const json::Value& json);
[[nodiscard]] Result<domain::CourtOrder> order_from_json(const json::Value& json);
[[nodiscard]] Result<AgreementRecord> agreement_from_json(const json::Value& json);
[[nodiscard]] Result<domain::AgreementAllowance> allowance_from_json(const json::Value& json);
[[nodiscard]] Result<LetterRecord> letter_from_json(const json::Value& json);
[[nodiscard]] Result<PartyFacts> party_facts_from_json(const json::Value& json);
[[nodiscard]] Result<DocumentFactsRecord> document_facts_from_json(const json::Value& json);
[[nodiscard]] Result<CustodyRecordEntry> custody_from_json(const json::Value& json);
[[nodiscard]] Result<ModeHistoryRecord> mode_history_from_json(const json::Value& json);

// Canonical JSON text (keys sorted, as records at rest have always been written).
[[nodiscard]] std::string roi_to_json(const domain::Roi& roi);
[[nodiscard]] std::string signature_to_json(const domain::RoiSignature& s);
[[nodiscard]] std::string order_to_json(const domain::CourtOrder& order);
[[nodiscard]] std::string agreement_to_json(const AgreementRecord& a);
[[nodiscard]] std::string allowance_to_json(const domain::AgreementAllowance& a);
[[nodiscard]] std::string letter_to_json(const LetterRecord& l);
[[nodiscard]] std::string party_facts_to_json(const PartyFacts& p);
[[nodiscard]] std::string document_facts_to_json(const DocumentFactsRecord& d);
[[nodiscard]] std::string custody_to_json(const CustodyRecordEntry& c);
[[nodiscard]] std::string mode_history_to_json(const ModeHistoryRecord& m);
[[nodiscard]] std::string decision_to_json(const domain::Decision& d);
[[nodiscard]] std::string readiness_to_json(const domain::CaseReadiness& r);
[[nodiscard]] std::string defect_to_json(const domain::RoiDefect& d);

// Storage round trips: decode from JSON text through the strict parser.
template <typename T>
[[nodiscard]] Result<T> decode_text(const std::string& text, Result<T> (*from)(const json::Value&)) {
    const auto value = KV_TRY_VALUE(json::parse_value(text, "not valid JSON"));
    return from(value);
}

} // namespace kinvault::services
