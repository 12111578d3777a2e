#include "services/consent/letters.h"

#include "crypto/random.h"
#include "domain/party.h"
#include "services/audit_actions.h"
#include "json/writer.h"

#include <algorithm>

namespace kinvault::services {

namespace {

const char* action_name(LetterAction action) {
    switch (action) {
    case LetterAction::submit:
        return audit_action::letter_submit;
    case LetterAction::request_revisions:
        return audit_action::letter_request_revisions;
    case LetterAction::approve:
        return audit_action::letter_approve;
    case LetterAction::release:
        return audit_action::letter_release;
    }
    return audit_action::letter_release;
}

} // namespace

Letters::Letters(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
                 const Clock& clock)
    : m_store(store), m_audit(audit), m_access(access), m_records(records), m_clock(clock) {}

Result<LetterDetail> Letters::create_letter(const Principal& who, const std::string& case_id,
                                            const std::string& document_id, const std::string& child,
                                            const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    const auto doc = KV_TRY_VALUE(m_store.document_by_id(document_id));
    // Only the letter's author registers it; anyone else gets the answer for a missing document.
    if (!doc.has_value() || doc->case_id != case_id || doc->created_by != who.user_id ||
        !contains(access.consent->requester.parties, doc->created_by_party)) {
        return hidden_document();
    }
    if (doc->type != domain::to_string(domain::DocType::clarification_letter)) {
        return make_error(Errc::invalid_input, "the document must be of type clarification-letter");
    }
    const auto& snap = access.consent->snapshot;
    const auto* c = domain::find_party(snap.facts, child);
    if (c == nullptr || c->role != domain::Role::child) {
        return make_error(Errc::invalid_input, "child must be a child of this case");
    }
    if (snap.letters_by_document.count(document_id) != 0) {
        return make_error(Errc::conflict, "this document is already registered as a letter");
    }
    const UnixTime now = m_clock.now();
    LetterRecord l;
    l.id = crypto::random_id("ltr");
    l.case_id = case_id;
    l.document_id = document_id;
    l.letter.author = doc->created_by_party;
    l.letter.child = child;
    l.letter.state = domain::LetterState::draft;
    l.letter.state_changed_at = now;
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_letter(l, now));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::letter_create,
                               .object = l.id,
                               .case_id = case_id,
                               .decision = "ok",
                               .reason = "draft",
                               .details = json::ObjectWriter().field("document", document_id).str()},
                              req);
    }));
    const auto named_snap = KV_TRY_VALUE(m_access.named(access));
    return letter_detail(named_snap, l);
}

Result<std::string> Letters::apply_action(LetterRecord& l, LetterAction action, const std::string& note,
                                          const std::vector<std::string>& targets,
                                          const domain::CaseFacts& facts, UnixTime now) const {
    switch (action) {
    case LetterAction::submit:
        if (l.letter.state == domain::LetterState::revisions_requested) {
            KV_TRY(domain::revise_letter(l.letter, now));
            return std::string("revised and resubmitted");
        }
        KV_TRY(domain::submit_letter(l.letter, now));
        return std::string("submitted for review");
    case LetterAction::request_revisions:
        KV_TRY(domain::request_letter_revisions(l.letter, now));
        if (!note.empty()) {
            l.revision_notes.push_back({now, note});
        }
        return std::string("revisions requested");
    case LetterAction::approve:
        KV_TRY(domain::approve_letter(l.letter, now));
        return std::string("approved");
    case LetterAction::release:
        KV_TRY(domain::release_letter(l.letter, targets, facts, now));
        return std::string("released");
    }
    return std::string();
}

Result<LetterDetail> Letters::letter_action(const Principal& who, const std::string& letter_id,
                                            LetterAction action, const std::string& note,
                                            const std::vector<std::string>& targets, const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible(who, k_kind_letter, letter_id, hidden_letter()));
    const auto& snap = access.consent->snapshot;
    const LetterRecord* current = nullptr;
    for (const auto& [doc, l] : snap.letters_by_document) {
        if (l.id == letter_id) {
            current = &l;
        }
    }
    const bool author =
        current != nullptr && contains(access.consent->requester.parties, current->letter.author);
    if (current == nullptr ||
        (!is_clinician(access) && !author && !m_access.may_read_document(access, current->document_id))) {
        return hidden_letter();
    }
    if (action == LetterAction::submit ? !author : !is_clinician(access)) {
        return make_error(Errc::forbidden, action == LetterAction::submit
                                               ? "Only the letter's author submits it."
                                               : "Only the case's clinician reviews and releases letters.");
    }
    const UnixTime now = m_clock.now();
    LetterDetail out;
    KV_TRY(m_store.transaction([&]() -> Status {
        const auto fresh = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        LetterRecord l = fresh.letters_by_document.at(current->document_id);
        const std::string what = KV_TRY_VALUE(apply_action(l, action, note, targets, fresh.facts, now));
        KV_TRY(m_records.put_letter(l, now));
        auto doc = m_store.document_by_id(l.document_id);
        if (doc && doc->has_value()) {
            storage::DocumentRecord d = **doc;
            d.state = std::string(domain::to_string(l.letter.state));
            KV_TRY(m_store.update_document(d));
        }
        json::ObjectWriter details;
        details.field("state", domain::to_string(l.letter.state));
        if (action == LetterAction::release) {
            std::string t;
            for (const auto& x : targets) {
                t += (t.empty() ? "" : ",") + x;
            }
            details.field("targets", t);
        }
        KV_TRY(m_audit.append({.actor = who.user_id,
                               .action = action_name(action),
                               .object = letter_id,
                               .case_id = l.case_id,
                               .decision = "ok",
                               .reason = what,
                               .details = details.str()},
                              req));
        out = letter_detail(fresh, l);
        return {};
    }));
    return out;
}

Result<std::vector<LetterDetail>> Letters::list_letters(const Principal& who, const std::string& case_id,
                                                        const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    std::vector<LetterDetail> out;
    for (const auto& [doc, l] : snap.letters_by_document) {
        const bool author = contains(access.consent->requester.parties, l.letter.author);
        if (is_clinician(access) || author || m_access.may_read_document(access, doc)) {
            out.push_back(letter_detail(snap, l));
        }
    }
    std::sort(out.begin(), out.end(), [](const LetterDetail& a, const LetterDetail& b) {
        return a.letter.letter.state_changed_at != b.letter.letter.state_changed_at
                   ? a.letter.letter.state_changed_at < b.letter.letter.state_changed_at
                   : a.letter.id < b.letter.id;
    });
    KV_TRY(m_audit.append(
        {.actor = who.user_id,
         .action = audit_action::letter_list,
         .object = case_id,
         .case_id = case_id,
         .decision = "permit",
         .reason = "letters the requester may see",
         .details = json::ObjectWriter().field("listed", static_cast<std::int64_t>(out.size())).str()},
        req));
    return out;
}

} // namespace kinvault::services
