// The consent facts of one case, assembled from storage for one request (domain.md: "evaluate at the moment
// of release, never cache an earlier yes"): parties with their consent facts, ROIs, court orders, custody
// records, the agreement in force, the process mode history, letters and envelope memberships. Nothing here
// outlives the request that built it.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "domain/case_facts.h"
#include "domain/document.h"
#include "domain/policy.h"
#include "domain/release.h"
#include "services/consent/codec.h"
#include "services/context.h"
#include "storage/store.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

// Storage rows behind the facts, kept for the use cases that change them.
struct CaseSnapshot {
    domain::CaseFacts facts;
    storage::CaseRecord case_record;
    std::vector<storage::PartyRecord> party_rows;
    std::map<std::string, PartyFacts> party_facts;             // by party id
    std::map<std::string, LetterRecord> letters_by_document;   // by document id
    std::map<std::string, DocumentFactsRecord> document_facts; // by document id
    std::map<std::string, domain::EnvelopeMembership> envelopes_by_document;
    std::vector<AgreementRecord> agreements;
    std::optional<ModeHistoryRecord> mode_history; // stored history, when a mode change was ever recorded
    UnixTime assembled_at{0};
};

// Party names are sealed at rest and only ever needed for text a person reads (explanations, readiness,
// views). The release decision itself works on ids, so the gate assembles facts without names: faster, and
// the reasons it hands to the audit log (which is not sealed) name parties by id only.
enum class NameMode { with_names, ids_only };

// Reads and writes the sealed consent records (storage::SealedRecord, sealed through the barrier under its
// kind and id).
class ConsentRecords {
public:
    ConsentRecords(storage::Store& store, const barrier::Barrier& barrier);

    [[nodiscard]] Result<std::optional<domain::Roi>> roi(const std::string& id);
    [[nodiscard]] Status put_roi(const domain::Roi& roi, UnixTime now);
    [[nodiscard]] Result<std::optional<domain::CourtOrder>> order(const std::string& id);
    [[nodiscard]] Status put_order(const domain::CourtOrder& order, UnixTime now);
    [[nodiscard]] Result<std::optional<LetterRecord>> letter(const std::string& id);
    [[nodiscard]] Status put_letter(const LetterRecord& letter, UnixTime now);
    [[nodiscard]] Status put_agreement(const AgreementRecord& agreement, UnixTime now);
    [[nodiscard]] Status put_custody(const CustodyRecordEntry& custody, UnixTime now);
    [[nodiscard]] Status put_party_facts(const PartyFacts& facts, UnixTime now);
    [[nodiscard]] Status put_document_facts(const DocumentFactsRecord& facts, UnixTime now);
    [[nodiscard]] Status put_mode_history(const ModeHistoryRecord& history, UnixTime now);

    // Everything the rules need about a case, assembled now.
    [[nodiscard]] Result<CaseSnapshot> snapshot(const storage::CaseRecord& c, UnixTime now,
                                                NameMode names = NameMode::with_names);
    // Opens the names of the parties in `facts` from their rows (a snapshot assembled with ids only).
    [[nodiscard]] Status name_parties(domain::CaseFacts& facts,
                                      const std::vector<storage::PartyRecord>& rows) const;

    [[nodiscard]] storage::Store& store() { return m_store; }
    [[nodiscard]] const barrier::Barrier& barrier() const { return m_barrier; }

private:
    [[nodiscard]] Status put(const std::string& kind, const std::string& id, const std::string& case_id,
                             const std::string& document_id, const std::string& state,
                             const std::string& json, UnixTime now);
    [[nodiscard]] Result<std::optional<std::string>> get(const std::string& kind, const std::string& id);
    [[nodiscard]] Result<std::vector<std::string>>
    unseal_all(const std::string& kind, const std::vector<storage::SealedRecord>& rows) const;

    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
};

// Storage party status -> the domain's: invited parties exist in the case (an ROI may name them); removed
// ones withdrew.
[[nodiscard]] domain::PartyStatus party_status_of(const std::string& status);
// A party row that gives its account standing in the case: the invitation was accepted and the party still
// takes part (storage status "active"; invited, substituted and removed rows give none).
[[nodiscard]] bool has_standing(const storage::PartyRecord& row);
// The row's role as the domain's; nullopt for a role the rules cannot place.
[[nodiscard]] std::optional<domain::Role> role_of(const storage::PartyRecord& row);

// What the engine knows about one stored document. Defaults when the clinician has not classified it:
//  subjects   an ROI document: the subject of its ROI records; a clarification letter: its author; a court
//             order or agreement: every parent and child; anything else: every child of the case;
//  contact    a court order shows the contact details of every parent and child; others of nobody;
//  category   the row's category when it names one, else legal (court orders), correspondence (letters) or
//             general.
[[nodiscard]] domain::DocumentFacts document_facts(const CaseSnapshot& snapshot,
                                                   const storage::DocumentRecord& d);

// The requester for a principal in this case. Clinician-role parties count only for clinician accounts: a
// member account invited "as clinician" gets no clinician powers (fail closed).
[[nodiscard]] domain::Requester requester_for(const CaseSnapshot& snapshot, const Principal& principal);
// The requester as one party of the case (explanations), with that party's account if it has one.
[[nodiscard]] domain::Requester requester_as(const CaseSnapshot& snapshot, const std::string& party_id);

// One party's display name; the id when unknown.
[[nodiscard]] std::string party_name(const CaseSnapshot& snapshot, const std::string& party_id);

// Comma-separated names in the document row's sensitivity column.
[[nodiscard]] domain::SensitivitySet parse_sensitivity_list(const std::string& text);
[[nodiscard]] std::string sensitivity_list(domain::SensitivitySet s);

} // namespace kinvault::services
