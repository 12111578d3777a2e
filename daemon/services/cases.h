// Cases (one per family) and their parties.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "services/accounts.h"
#include "services/audit.h"
#include "services/notifier.h"
#include "services/release_gate.h"
#include "storage/store.h"

#include <string>
#include <vector>

namespace kinvault::services {

struct CaseView {
    std::string id;
    std::string name;
    std::string mode;
    std::string status;
    UnixTime created_at{0};
    std::vector<std::string> my_roles;
};

struct PartyView {
    std::string id;
    std::string case_id;
    std::string role;
    std::string name;
    std::string email; // empty unless the viewer may see contact details
    std::string represents;
    std::string status;
    std::string date_of_birth;
    bool has_account{false};
};

struct NewParty {
    std::string role;
    std::string name;
    std::string email;
    std::string represents;    // attorneys: the party they act for
    std::string date_of_birth; // children: YYYY-MM-DD
};

struct Invitation {
    PartyView party;
    std::string token;
    std::string link;
    UnixTime expires_at{0};
};

class Cases {
public:
    Cases(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit, Accounts& accounts,
          ReleaseGate& gate, Notifier& notifier, const Clock& clock);

    [[nodiscard]] Result<CaseView> create(const Principal& who, const std::string& name,
                                          const std::string& mode, const RequestInfo& req);
    [[nodiscard]] Result<std::vector<CaseView>> list(const Principal& who);
    [[nodiscard]] Result<CaseView> show(const Principal& who, const std::string& case_id,
                                        const RequestInfo& req);
    [[nodiscard]] Result<Invitation> invite(const Principal& who, const std::string& case_id,
                                            const NewParty& party, const RequestInfo& req);
    // A fresh link for a party whose invitation was lost or expired (the old ones stop working once used).
    [[nodiscard]] Result<Invitation> reinvite(const Principal& who, const std::string& party_id,
                                              const RequestInfo& req);
    [[nodiscard]] Result<std::vector<PartyView>> parties(const Principal& who, const std::string& case_id,
                                                         const RequestInfo& req);

    [[nodiscard]] Result<PartyView> party_view(const storage::PartyRecord& p, bool with_contact) const;
    [[nodiscard]] Result<std::string> case_name(const storage::CaseRecord& c) const;

private:
    [[nodiscard]] CaseView view_of(const storage::CaseRecord& c, const std::string& name,
                                   const std::vector<std::string>& roles) const;

    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    AuditLog& m_audit;
    Accounts& m_accounts;
    ReleaseGate& m_gate;
    Notifier& m_notifier;
    const Clock& m_clock;
};

} // namespace kinvault::services
