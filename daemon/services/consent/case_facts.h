// Facts the clinician records about a case beyond its parties and documents: a party's consent facts (the
// child a therapist treats, the child's own consent to treatment, counsel substitution), a document's release
// classification, and executed agreements that set the process mode going forward (rule 6).
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "domain/agreement.h"
#include "services/audit.h"
#include "services/consent/access.h"
#include "services/context.h"

#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

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

class CaseFactsService {
public:
    CaseFactsService(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
                     const Clock& clock);

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
    // Inside the caller's transaction: records the agreement on `snapshot`'s case (also when an envelope
    // for an agreement completes).
    [[nodiscard]] Result<AgreementRecord> apply_agreement(CaseSnapshot& snapshot, const AgreementInput& input,
                                                          const std::string& actor, const RequestInfo& req);

private:
    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentAccess& m_access;
    ConsentRecords& m_records;
    const Clock& m_clock;
};

} // namespace kinvault::services
