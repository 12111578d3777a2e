// Clarification letters: a party (often a child) writes to the clinician; the clinician reviews, may ask for
// revisions, approves and releases the letter to the parties it names.
#pragma once

#include "common/clock.h"
#include "common/result.h"
#include "services/audit.h"
#include "services/consent/access.h"
#include "services/consent/details.h"
#include "services/context.h"

#include <string>
#include <vector>

namespace kinvault::services {

enum class LetterAction { submit, request_revisions, approve, release };

class Letters {
public:
    Letters(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
            const Clock& clock);

    // Registers the author's uploaded clarification-letter document as a draft letter about `child`.
    [[nodiscard]] Result<LetterDetail> create_letter(const Principal& who, const std::string& case_id,
                                                     const std::string& document_id, const std::string& child,
                                                     const RequestInfo& req);
    // The author submits; the clinician requests revisions (with `note`), approves or releases (to
    // `targets`).
    [[nodiscard]] Result<LetterDetail> letter_action(const Principal& who, const std::string& letter_id,
                                                     LetterAction action, const std::string& note,
                                                     const std::vector<std::string>& targets,
                                                     const RequestInfo& req);
    [[nodiscard]] Result<std::vector<LetterDetail>>
    list_letters(const Principal& who, const std::string& case_id, const RequestInfo& req);

private:
    // Inside the transaction: moves `letter` along `action` and says what happened, in words for the log.
    [[nodiscard]] Result<std::string> apply_action(LetterRecord& letter, LetterAction action,
                                                   const std::string& note,
                                                   const std::vector<std::string>& targets,
                                                   const domain::CaseFacts& facts, UnixTime now) const;

    storage::Store& m_store;
    AuditLog& m_audit;
    ConsentAccess& m_access;
    ConsentRecords& m_records;
    const Clock& m_clock;
};

} // namespace kinvault::services
