// What the clinician reads about a case's consent: coordination readiness, why a document is or is not
// released to a party, and the accounting of disclosures (who received what, when, on which basis).
#pragma once

#include "common/result.h"
#include "domain/readiness.h"
#include "domain/release.h"
#include "services/audit.h"
#include "services/consent/access.h"
#include "services/context.h"

#include <string>
#include <vector>

namespace kinvault::services {

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

class Reports {
public:
    Reports(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records);

    [[nodiscard]] Result<domain::CaseReadiness> readiness(const Principal& who, const std::string& case_id,
                                                          const RequestInfo& req);
    [[nodiscard]] Result<Explanation> explain(const Principal& who, const std::string& document_id,
                                              const std::string& party_id, const RequestInfo& req);
    // Every disclosure of the case, or only those to `party_id` when it is not empty.
    [[nodiscard]] Result<std::vector<DisclosureView>> disclosures(const Principal& who,
                                                                  const std::string& case_id,
                                                                  const std::string& party_id,
                                                                  const RequestInfo& req);

private:
    // The document's type and title (opened from its sealed version) as the accounting shows them.
    [[nodiscard]] std::pair<std::string, std::string> document_info(const std::string& document_id,
                                                                    std::int64_t version) const;

    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentAccess& m_access;
    ConsentRecords& m_records;
};

} // namespace kinvault::services
