// The notification outbox: e-mails are queued here (sealed at rest, since they name people) inside the
// transaction of the change they announce, and delivered later by the mailer with retries. Bodies carry only
// what a person needs to act (a link), never a document.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "storage/store.h"

#include <mutex>
#include <string>
#include <vector>

namespace kinvault::services {

struct Mail {
    std::string to;
    std::string subject;
    std::string body;
};

struct OutboxView {
    std::string id;
    std::string kind;
    std::string to;
    std::string subject;
    std::string state;
    UnixTime created_at{0};
    UnixTime sent_at{0};
    std::int64_t attempts{0};
    std::string last_error;
};

class Notifier {
public:
    Notifier(storage::Store& store, const barrier::Barrier& barrier, const Clock& clock);

    void set_public_url(std::string url);
    [[nodiscard]] std::string link(const std::string& path) const;
    [[nodiscard]] std::string practice_name() const;
    void set_practice_name(std::string name);

    [[nodiscard]] Status queue(const std::string& kind, const std::string& case_id, const Mail& mail,
                               UnixTime send_after = 0);
    [[nodiscard]] Result<Mail> open(const storage::OutboxRecord& record) const;
    [[nodiscard]] Result<std::vector<OutboxView>> outbox_of_case(const std::string& case_id) const;

private:
    storage::Store& m_store;
    const barrier::Barrier& m_barrier;
    const Clock& m_clock;
    mutable std::mutex m_mutex;
    std::string m_public_url;
    std::string m_practice;
};

} // namespace kinvault::services
