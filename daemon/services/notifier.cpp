#include "services/notifier.h"

#include "crypto/random.h"
#include "json/reader.h"
#include "json/value.h"
#include "json/writer.h"

namespace kinvault::services {

Notifier::Notifier(storage::Store& store, const barrier::Barrier& barrier, const Clock& clock)
    : m_store(store), m_barrier(barrier), m_clock(clock) {}

void Notifier::set_public_url(std::string url) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_public_url = std::move(url);
}

std::string Notifier::link(const std::string& path) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_public_url + path;
}

void Notifier::set_practice_name(std::string name) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_practice = std::move(name);
}

std::string Notifier::practice_name() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_practice.empty() ? std::string("Kinvault") : m_practice;
}

Status Notifier::queue(const std::string& kind, const std::string& case_id, const Mail& mail,
                       UnixTime send_after) {
    storage::OutboxRecord r;
    r.id = crypto::random_id("msg");
    r.kind = kind;
    r.case_id = case_id;
    json::ObjectWriter w;
    w.field("to", mail.to).field("subject", mail.subject).field("body", mail.body);
    m_barrier.seal_mail(r, w.str());
    r.created_at = m_clock.now();
    r.send_after = send_after == 0 ? r.created_at : send_after;
    return m_store.put_outbox(r);
}

Result<Mail> Notifier::open(const storage::OutboxRecord& record) const {
    const std::string text = KV_TRY_VALUE(m_barrier.open_mail(record));
    // Through the strict reader, as every sealed record: a message of the wrong shape is damaged.
    auto parsed = json::parse(text);
    if (!parsed.value) {
        return make_error(Errc::integrity, "an outbox message is damaged");
    }
    json::Problems problems;
    json::Object o(*parsed.value, problems, "", json::Keys::any);
    Mail mail{o.required_string("to"), o.required_string("subject"), o.required_string("body")};
    if (!problems.empty()) {
        return make_error(Errc::integrity, "an outbox message is damaged: " + problems.summary());
    }
    return mail;
}

Result<std::vector<OutboxView>> Notifier::outbox_of_case(const std::string& case_id) const {
    const auto rows = KV_TRY_VALUE(m_store.outbox_of_case(case_id));
    std::vector<OutboxView> out;
    for (const auto& r : rows) {
        const Mail mail = KV_TRY_VALUE(open(r));
        out.push_back({r.id, r.kind, mail.to, mail.subject, r.state, r.created_at, r.sent_at, r.attempts,
                       r.last_error});
    }
    return out;
}

} // namespace kinvault::services
