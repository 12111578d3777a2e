#include "services/consent/orders.h"

#include "crypto/random.h"
#include "domain/party.h"
#include "services/audit_actions.h"
#include "services/consent/order_terms.h"
#include "json/writer.h"

namespace kinvault::services {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string list;
    for (const auto& i : items) {
        list += (list.empty() ? "" : ", ") + i;
    }
    return list;
}

// Every party id an order mentions must be a party of the case.
Status check_order_parties(const domain::CourtOrder& o, const domain::CaseFacts& facts) {
    std::vector<std::string> unknown;
    const auto check = [&](const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            if (domain::find_party(facts, id) == nullptr && !contains(unknown, id)) {
                unknown.push_back(id);
            }
        }
    };
    for (const auto& c : o.custody) {
        check(c.holders);
        check(c.children);
    }
    for (const auto& m : o.mutual_consent) {
        check(m.children);
    }
    for (const auto& r : o.restrictions) {
        check(r.barred_parties);
        check(r.about);
    }
    for (const auto& p : o.protective) {
        check(p.restrained);
        check(p.protected_parties);
    }
    for (const auto& c : o.compels) {
        check(c.recipients);
    }
    if (unknown.empty()) {
        return {};
    }
    return make_error(Errc::invalid_input,
                      "the order names parties that are not in this case: " + joined(unknown));
}

// Where the order came from must be complete before its terms are read (provenance).
Status check_provenance(domain::CourtOrder& draft) {
    std::vector<std::string> missing;
    if (draft.court.empty()) {
        missing.emplace_back("court");
    }
    if (draft.case_number.empty()) {
        missing.emplace_back("case_number");
    }
    if (draft.issued_at == 0) {
        missing.emplace_back("issued_at");
    }
    if (!missing.empty()) {
        return make_error(Errc::invalid_input,
                          "the order's provenance is incomplete: missing " + joined(missing));
    }
    if (draft.effective_at == 0) {
        draft.effective_at = draft.issued_at;
    }
    if (draft.expires_at && *draft.expires_at <= draft.effective_at) {
        return make_error(Errc::invalid_input, "expires_at must come after effective_at");
    }
    return {};
}

} // namespace

Orders::Orders(storage::Store& store, AuditLog& audit, ConsentAccess& access, ConsentRecords& records,
               RoiLifecycle& lifecycle, const Clock& clock)
    : m_store(store), m_audit(audit), m_access(access), m_records(records), m_lifecycle(lifecycle),
      m_clock(clock) {}

Result<OrderDetail> Orders::add_order(const Principal& who, const std::string& case_id,
                                      domain::CourtOrder draft, const std::vector<std::string>& terms,
                                      const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    if (!is_clinician(access)) {
        return clinician_only("record a court order's terms");
    }
    const auto doc =
        KV_TRY_VALUE(m_access.document_in_case(draft.document, case_id, "document_id (the uploaded order)"));
    if (doc.type != domain::to_string(domain::DocType::court_order)) {
        return make_error(Errc::invalid_input, "document_id must be a document of type court-order");
    }
    KV_TRY(check_provenance(draft));
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    const auto& facts = snap.facts;
    KV_TRY(apply_order_terms(draft, terms, facts));
    KV_TRY(check_order_parties(draft, facts));
    for (const auto& s : draft.supersedes) {
        if (domain::find_order(facts, s.order) == nullptr) {
            return make_error(Errc::invalid_input,
                              "supersedes names " + s.order + ", which is not an order of this case");
        }
    }
    const UnixTime now = m_clock.now();
    draft.id = crypto::random_id("ord");
    draft.case_id = case_id;
    draft.status = domain::OrderStatus::received;
    draft.status_changed_at = now;
    draft.verified_by.reset();
    draft.verified_at.reset();
    const auto v = KV_TRY_VALUE(m_store.version_of(doc.id, doc.current_version));
    if (v.has_value()) {
        draft.document_sha256 = v->sha256; // provenance: what was read is this exact file
    }
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_records.put_order(draft, now));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::order_add,
                               .object = draft.id,
                               .case_id = case_id,
                               .decision = "ok",
                               .reason = "received; terms recorded",
                               .details = json::ObjectWriter()
                                              .field("document", draft.document)
                                              .field("sha256", draft.document_sha256)
                                              .str()},
                              req);
    }));
    return order_detail(snap, draft);
}

Result<OrderDetail> Orders::verify_order(const Principal& who, const std::string& order_id,
                                         const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.load_visible(who, k_kind_order, order_id, hidden_order()));
    const auto* visible = domain::find_order(access.consent->snapshot.facts, order_id);
    if (visible == nullptr ||
        (!is_clinician(access) && !m_access.may_read_document(access, visible->document))) {
        return hidden_order();
    }
    if (!is_clinician(access)) {
        return clinician_only("verify a court order");
    }
    const UnixTime now = m_clock.now();
    OrderDetail out;
    KV_TRY(m_store.transaction([&]() -> Status {
        auto snap = KV_TRY_VALUE(m_records.snapshot(access.case_record, now));
        domain::CourtOrder* order = find_mut(snap.facts.orders, order_id);
        if (order == nullptr) {
            return hidden_order();
        }
        KV_TRY(domain::verify_order(*order, who.user_id, now));
        KV_TRY(m_records.put_order(*order, now));
        KV_TRY(m_audit.append({.actor = who.user_id,
                               .action = audit_action::order_verify,
                               .object = order_id,
                               .case_id = order->case_id,
                               .decision = "ok",
                               .reason = "checked against the court's copy; counts from its effective date",
                               .details = {}},
                              req));
        out = order_detail(snap, *order);
        // A new custody order can take authority away from someone who signed an ROI (rule 8).
        return m_lifecycle.suspend_lapsed(snap, who.user_id, req);
    }));
    return out;
}

Result<std::vector<OrderDetail>> Orders::list_orders(const Principal& who, const std::string& case_id,
                                                     const RequestInfo& req) {
    const auto access = KV_TRY_VALUE(m_access.case_for(who, case_id));
    const auto snap = KV_TRY_VALUE(m_access.named(access));
    std::vector<OrderDetail> out;
    for (const auto& o : snap.facts.orders) {
        if (is_clinician(access) || m_access.may_read_document(access, o.document)) {
            out.push_back(order_detail(snap, o));
        }
    }
    KV_TRY(m_audit.append(
        {.actor = who.user_id,
         .action = audit_action::order_list,
         .object = case_id,
         .case_id = case_id,
         .decision = "permit",
         .reason = "orders whose document the requester may read",
         .details = json::ObjectWriter().field("listed", static_cast<std::int64_t>(out.size())).str()},
        req));
    return out;
}

} // namespace kinvault::services
