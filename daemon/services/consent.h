// Consent use cases (issue 3): ROIs as structured records linked to their document, court orders with their
// terms, clarification letters, the process mode, coordination readiness, explanations and the accounting of
// disclosures. Every use case assembles the case's facts from storage for that request (through the release
// gate, the one decision point), changes records inside one transaction with its audit entry, and answers
// "no such ..." for anything the caller may not see (domain.md rule 11).
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/readiness.h"
#include "domain/release.h"
#include "services/audit.h"
#include "services/consent_codec.h"
#include "services/consent_facts.h"
#include "services/release_gate.h"
#include "services/signing.h"
#include "storage/store.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

// Party id -> name for the parties a view mentions.
using PartyNames = std::map<std::string, std::string>;

struct RoiDetail {
    domain::Roi roi;
    std::optional<UnixTime> ends_at; // when it stops authorising (the earlier of date and event)
    bool in_force{false};            // active, valid now, authorised now (rules 5, 8, 10)
    std::string authorisation;       // who must sign and whether they have (plain words)
    std::vector<domain::RoiDefect> defects;
    PartyNames names;
};

struct SignatureInput {
    std::string signer;
    domain::SignerCapacity capacity{domain::SignerCapacity::self};
    std::string authority;             // the court order or custody record relied on (id)
    std::optional<UnixTime> signed_at; // default: now; never in the future
    std::string evidence;              // the scanned paper ROI's document id (default: the ROI's document)
};

struct RevokeInput {
    std::optional<std::string> by;        // the revoking party; required when the clinician records it
    std::optional<std::string> recipient; // revoke for this recipient only
};

struct OrderDetail {
    domain::CourtOrder order;
    std::string title;
    PartyNames names;
};

enum class LetterAction { submit, request_revisions, approve, release };

struct LetterDetail {
    LetterRecord letter;
    PartyNames names;
};

struct Explanation {
    std::string document_id;
    std::string party;
    std::string party_name;
    domain::Decision decision;
};

struct DisclosureView {
    storage::DisclosureRecord record;
    std::string recipient_name;
    std::string document_type;
    std::string document_title;
};

struct PartyFactsInput {
    std::optional<std::string> treats;             // child_therapist: the child
    std::optional<bool> minor_consented_treatment; // child_therapist: the child consented personally
    std::optional<std::string> substituted_by;     // counsel: the successor (rule 9)
};

struct ClassificationInput {
    std::optional<std::vector<std::string>> subjects;
    std::optional<std::vector<std::string>> contact_details_of;
    std::optional<std::string> category;
    std::optional<std::vector<std::string>> sensitivity;
};

struct AgreementInput {
    std::string document_id;
    std::optional<domain::ProcessMode> mode; // default: the mode in force
    std::optional<UnixTime> effective_from;  // default: now; never before now
    std::optional<std::vector<domain::AgreementAllowance>> closed_allowances; // default: carried over
    std::optional<std::vector<domain::AgreementAllowance>> open_allowances;
};

class Consent {
public:
    Consent(storage::Store& store, AuditLog& audit, ReleaseGate& gate, const Clock& clock);

    // Called inside the revocation's transaction to tell the clinician (an e-mail through the outbox).
    using RevocationNotice = std::function<Status(const std::string& case_id, const std::string& roi_id)>;
    void on_revocation(RevocationNotice notice) { m_on_revocation = std::move(notice); }

    // ROIs.
    [[nodiscard]] Result<std::vector<RoiDetail>> list_rois(const Principal& who, const std::string& case_id,
                                                           const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> show_roi(const Principal& who, const std::string& roi_id,
                                             const RequestInfo& req);
    // A draft, even when defective: the answer lists what is missing.
    [[nodiscard]] Result<RoiDetail> create_roi(const Principal& who, const std::string& case_id,
                                               domain::Roi draft, const RequestInfo& req);
    // Replaces a draft's content (never a signed ROI's: a renewal is a new ROI).
    [[nodiscard]] Result<RoiDetail> update_roi(const Principal& who, const std::string& roi_id,
                                               domain::Roi draft, const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> validate_roi(const Principal& who, const std::string& roi_id,
                                                 const RequestInfo& req);
    // A signed paper ROI (scanned and uploaded): the same activation path as e-signing
    // (on_envelope_completed).
    [[nodiscard]] Result<RoiDetail> record_signature(const Principal& who, const std::string& roi_id,
                                                     const SignatureInput& input, const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> revoke_roi(const Principal& who, const std::string& roi_id,
                                               const RevokeInput& input, const RequestInfo& req);
    // Rule 8: back to active after the clinician reviewed a suspension.
    [[nodiscard]] Result<RoiDetail> reinstate_roi(const Principal& who, const std::string& roi_id,
                                                  const RequestInfo& req);
    [[nodiscard]] Result<RoiDetail> export_roi(const Principal& who, const std::string& roi_id,
                                               const RequestInfo& req);

    // Court orders.
    [[nodiscard]] Result<OrderDetail> add_order(const Principal& who, const std::string& case_id,
                                                domain::CourtOrder draft,
                                                const std::vector<std::string>& terms,
                                                const RequestInfo& req);
    [[nodiscard]] Result<OrderDetail> verify_order(const Principal& who, const std::string& order_id,
                                                   const RequestInfo& req);
    [[nodiscard]] Result<std::vector<OrderDetail>>
    list_orders(const Principal& who, const std::string& case_id, const RequestInfo& req);

    // Clarification letters.
    [[nodiscard]] Result<LetterDetail> create_letter(const Principal& who, const std::string& case_id,
                                                     const std::string& document_id, const std::string& child,
                                                     const RequestInfo& req);
    [[nodiscard]] Result<LetterDetail> letter_action(const Principal& who, const std::string& letter_id,
                                                     LetterAction action, const std::string& note,
                                                     const std::vector<std::string>& targets,
                                                     const RequestInfo& req);
    [[nodiscard]] Result<std::vector<LetterDetail>>
    list_letters(const Principal& who, const std::string& case_id, const RequestInfo& req);

    // Readiness, explanations, the accounting of disclosures (clinician).
    [[nodiscard]] Result<domain::CaseReadiness> readiness(const Principal& who, const std::string& case_id,
                                                          const RequestInfo& req);
    [[nodiscard]] Result<Explanation> explain(const Principal& who, const std::string& document_id,
                                              const std::string& party_id, const RequestInfo& req);
    [[nodiscard]] Result<std::vector<DisclosureView>> disclosures(const Principal& who,
                                                                  const std::string& case_id,
                                                                  const std::string& party_id,
                                                                  const RequestInfo& req);

    // Facts the clinician records (clinician).
    [[nodiscard]] Result<PartyFacts> set_party_facts(const Principal& who, const std::string& party_id,
                                                     const PartyFactsInput& input, const RequestInfo& req);
    [[nodiscard]] Result<DocumentFactsRecord> classify_document(const Principal& who,
                                                                const std::string& document_id,
                                                                const ClassificationInput& input,
                                                                const RequestInfo& req);
    // An executed agreement or amendment: sets the process mode going forward and the allowances (rule 6).
    [[nodiscard]] Result<AgreementRecord> record_agreement(const Principal& who, const std::string& case_id,
                                                           const AgreementInput& input,
                                                           const RequestInfo& req);

    // Envelope completion (inside its transaction): activates the envelope's ROI through record_roi_signature
    // and records an executed agreement's process mode as an amendment going forward.
    [[nodiscard]] Status on_envelope_completed(const Envelope& envelope, const RequestInfo& req);
    void listen_to(Signing& signing);

private:
    struct Loaded;
    [[nodiscard]] Result<CaseAccess> case_for(const Principal& who, const std::string& case_id);
    // The access's facts with the parties named, for answers a person reads.
    [[nodiscard]] Result<CaseSnapshot> named(const CaseAccess& access) const;
    [[nodiscard]] Result<Loaded> load_visible(const Principal& who, const char* kind, const std::string& id,
                                              const Error& hidden);
    [[nodiscard]] bool may_see_roi(const CaseAccess& access, const domain::Roi& roi) const;
    [[nodiscard]] bool may_read_document(const CaseAccess& access, const std::string& document_id) const;
    [[nodiscard]] RoiDetail roi_detail(const CaseSnapshot& snapshot, const domain::Roi& roi,
                                       UnixTime now) const;
    [[nodiscard]] OrderDetail order_detail(const CaseSnapshot& snapshot,
                                           const domain::CourtOrder& order) const;
    [[nodiscard]] LetterDetail letter_detail(const CaseSnapshot& snapshot, const LetterRecord& letter) const;
    [[nodiscard]] Status apply_signatures(CaseSnapshot& snapshot, domain::Roi& roi,
                                          const std::vector<domain::RoiSignature>& signatures,
                                          const std::string& actor, const RequestInfo& req);
    [[nodiscard]] Status suspend_lapsed(CaseSnapshot& snapshot, const std::string& actor,
                                        const RequestInfo& req);
    [[nodiscard]] Result<AgreementRecord> apply_agreement(CaseSnapshot& snapshot, const AgreementInput& input,
                                                          const std::string& actor, const RequestInfo& req);
    [[nodiscard]] Result<domain::AuthorityRef> authority_for(const domain::CaseFacts& facts,
                                                             const std::string& id) const;
    // The clinician's draft made ready to store: its document checked, defaults filled, lifecycle fields
    // cleared.
    [[nodiscard]] Status prepare_draft(domain::Roi& draft, const Principal& who,
                                       const std::string& case_id) const;
    [[nodiscard]] Result<storage::DocumentRecord> document_in_case(const std::string& document_id,
                                                                   const std::string& case_id,
                                                                   const std::string& what) const;

    storage::Store& m_store;
    AuditLog& m_audit;
    ReleaseGate& m_gate;
    ConsentRecords& m_records;
    const Clock& m_clock;
    RevocationNotice m_on_revocation;
};

} // namespace kinvault::services
