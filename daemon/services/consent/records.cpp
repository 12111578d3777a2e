#include "services/consent/records.h"

#include "domain/party.h"
#include "services/signing/envelope.h"

#include <algorithm>
#include <map>

namespace kinvault::services {

namespace {

template <typename T>
Result<std::optional<T>> decode_optional(Result<std::optional<std::string>> text,
                                         Result<T> (*from)(const json::Value&)) {
    const auto t = KV_TRY_VALUE(std::move(text));
    if (!t.has_value()) {
        return std::optional<T>();
    }
    auto v = decode_text<T>(*t, from);
    if (!v) {
        return make_error(Errc::integrity, "a stored consent record could not be read: " + v.error().message);
    }
    return std::optional<T>(std::move(v).value());
}

template <typename T>
Result<std::vector<T>> decode_all(Result<std::vector<std::string>> texts,
                                  Result<T> (*from)(const json::Value&)) {
    const auto all = KV_TRY_VALUE(std::move(texts));
    std::vector<T> out;
    out.reserve(all.size());
    for (const auto& t : all) {
        auto v = decode_text<T>(t, from);
        if (!v) {
            return make_error(Errc::integrity,
                              "a stored consent record could not be read: " + v.error().message);
        }
        out.push_back(std::move(v).value());
    }
    return out;
}

bool is_role(const domain::Party& p, domain::Role r) {
    return p.role == r && p.status != domain::PartyStatus::withdrawn;
}

} // namespace

ConsentRecords::ConsentRecords(storage::Store& store, const barrier::Barrier& barrier)
    : m_store(store), m_barrier(barrier) {}

Status ConsentRecords::put(const std::string& kind, const std::string& id, const std::string& case_id,
                           const std::string& document_id, const std::string& state, const std::string& json,
                           UnixTime now) {
    storage::SealedRecord r;
    r.kind = kind;
    r.id = id;
    r.case_id = case_id;
    r.document_id = document_id;
    r.state = state;
    r.updated_at = now;
    m_barrier.seal_record(r, json);
    return m_store.put_record(r);
}

Result<std::optional<std::string>> ConsentRecords::get(const std::string& kind, const std::string& id) {
    const auto rec = KV_TRY_VALUE(m_store.record(kind, id));
    if (!rec.has_value()) {
        return std::optional<std::string>();
    }
    auto text = m_barrier.open_record(*rec);
    if (!text) {
        return make_error(Errc::integrity, "a stored " + kind + " record failed authentication");
    }
    return std::optional<std::string>(std::move(text).value());
}

Result<std::vector<std::string>>
ConsentRecords::unseal_all(const std::string& kind, const std::vector<storage::SealedRecord>& rows) const {
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
        // The row opens under its own kind: one filed under another kind than asked for is refused, as
        // it was when the caller named the context.
        auto text =
            r.kind == kind ? m_barrier.open_record(r) : Result<std::string>(make_error(Errc::integrity, ""));
        if (!text) {
            return make_error(Errc::integrity, "a stored " + kind + " record failed authentication");
        }
        out.push_back(std::move(text).value());
    }
    return out;
}

Result<std::optional<domain::Roi>> ConsentRecords::roi(const std::string& id) {
    return decode_optional<domain::Roi>(get(k_kind_roi, id), roi_from_json);
}

Status ConsentRecords::put_roi(const domain::Roi& roi, UnixTime now) {
    return put(k_kind_roi, roi.id, roi.case_id, roi.document, std::string(domain::to_string(roi.state)),
               roi_to_json(roi), now);
}

Result<std::optional<domain::CourtOrder>> ConsentRecords::order(const std::string& id) {
    return decode_optional<domain::CourtOrder>(get(k_kind_order, id), order_from_json);
}

Status ConsentRecords::put_order(const domain::CourtOrder& order, UnixTime now) {
    return put(k_kind_order, order.id, order.case_id, order.document,
               std::string(domain::to_string(order.status)), order_to_json(order), now);
}

Result<std::optional<LetterRecord>> ConsentRecords::letter(const std::string& id) {
    return decode_optional<LetterRecord>(get(k_kind_letter, id), letter_from_json);
}

Status ConsentRecords::put_letter(const LetterRecord& letter, UnixTime now) {
    return put(k_kind_letter, letter.id, letter.case_id, letter.document_id,
               std::string(domain::to_string(letter.letter.state)), letter_to_json(letter), now);
}

Status ConsentRecords::put_agreement(const AgreementRecord& agreement, UnixTime now) {
    return put(k_kind_agreement, agreement.agreement.document, agreement.case_id,
               agreement.agreement.document, std::string(domain::to_string(agreement.agreement.state)),
               agreement_to_json(agreement), now);
}

Status ConsentRecords::put_custody(const CustodyRecordEntry& custody, UnixTime now) {
    return put(k_kind_custody, custody.record.id, custody.case_id, "",
               custody.record.verified ? "verified" : "recorded", custody_to_json(custody), now);
}

Status ConsentRecords::put_party_facts(const PartyFacts& facts, UnixTime now) {
    return put(k_kind_party_facts, facts.party_id, facts.case_id, "", "recorded", party_facts_to_json(facts),
               now);
}

Status ConsentRecords::put_document_facts(const DocumentFactsRecord& facts, UnixTime now) {
    return put(k_kind_document_facts, facts.document_id, facts.case_id, facts.document_id, "recorded",
               document_facts_to_json(facts), now);
}

Status ConsentRecords::put_mode_history(const ModeHistoryRecord& history, UnixTime now) {
    const std::string state =
        history.changes.empty() ? "closed" : std::string(domain::to_string(history.changes.back().mode));
    return put(k_kind_process_mode, history.case_id, history.case_id, "", state,
               mode_history_to_json(history), now);
}

domain::PartyStatus party_status_of(const std::string& status) {
    if (status == "substituted") {
        return domain::PartyStatus::substituted;
    }
    if (status == "removed" || status == "withdrawn") {
        return domain::PartyStatus::withdrawn;
    }
    return domain::PartyStatus::active;
}

bool has_standing(const storage::PartyRecord& row) {
    return row.status == domain::to_string(domain::PartyStatus::active);
}

std::optional<domain::Role> role_of(const storage::PartyRecord& row) {
    return domain::parse_role(row.role);
}

Status ConsentRecords::name_parties(domain::CaseFacts& facts,
                                    const std::vector<storage::PartyRecord>& rows) const {
    for (auto& p : facts.parties) {
        if (!p.name.empty()) {
            continue;
        }
        const auto row = std::find_if(rows.begin(), rows.end(),
                                      [&p](const storage::PartyRecord& r) { return r.id == p.id; });
        if (row == rows.end()) {
            continue;
        }
        auto name = m_barrier.open_name(*row);
        if (!name) {
            return make_error(Errc::integrity, "a party record failed authentication");
        }
        p.name = std::move(name).value();
    }
    return {};
}

namespace {

// A party row as the domain's party (the storage text read once, here), with the consent facts the clinician
// recorded on it; nullopt for a role the rules cannot place.
std::optional<domain::Party> party_of(const storage::PartyRecord& row,
                                      const std::map<std::string, PartyFacts>& party_facts) {
    const auto role = role_of(row);
    if (!role) {
        return std::nullopt;
    }
    domain::Party p;
    p.id = row.id;
    p.role = *role;
    p.user = row.user_id;
    if (!row.date_of_birth.empty()) {
        UnixTime dob = 0;
        if (parse_utc(row.date_of_birth, dob)) {
            p.date_of_birth = dob;
        }
    }
    if (!row.represents.empty()) {
        p.represents = row.represents;
    }
    p.status = party_status_of(row.status);
    if (const auto it = party_facts.find(row.id); it != party_facts.end()) {
        p.treats = it->second.treats;
        p.minor_consented_treatment = it->second.minor_consented_treatment;
        p.successor = it->second.successor;
        p.status_since = it->second.status_since;
    }
    return p;
}

} // namespace

// Long on purpose (about 110 lines): it decodes every record kind of one fetched batch into one snapshot,
// kind after kind; split up, each piece would take the batch and the half-built snapshot and hide nothing.
Result<CaseSnapshot> ConsentRecords::snapshot(const storage::CaseRecord& c, UnixTime now, NameMode names) {
    CaseSnapshot s;
    s.case_record = c;
    s.assembled_at = now;
    auto& f = s.facts;
    f.id = c.id;

    s.party_rows = KV_TRY_VALUE(m_store.parties_of_case(c.id));
    // Every record the facts are made of, in one query (one per kind before: a decision point that runs on
    // every read should not cost a dozen round trips).
    auto fetched = KV_TRY_VALUE(m_store.records_of_case_kinds(
        c.id, {k_kind_party_facts, k_kind_process_mode, k_kind_custody, k_kind_order, k_kind_roi,
               k_kind_agreement, k_kind_letter, k_kind_document_facts, "envelope"}));
    std::map<std::string, std::vector<storage::SealedRecord>> by_kind;
    for (auto& r : fetched) {
        by_kind[r.kind].push_back(std::move(r));
    }
    auto of_kind = [&](const std::string& kind) { return unseal_all(kind, by_kind[kind]); };
    auto extras = KV_TRY_VALUE(decode_all<PartyFacts>(of_kind(k_kind_party_facts), party_facts_from_json));
    for (auto& e : extras) {
        s.party_facts[e.party_id] = std::move(e);
    }
    f.parties.reserve(s.party_rows.size());
    for (const auto& row : s.party_rows) {
        auto p = party_of(row, s.party_facts);
        if (!p) {
            continue; // a party the rules cannot place has no standing (fail closed)
        }
        if (p->role == domain::Role::clinician && p->status == domain::PartyStatus::active &&
            !p->user.empty()) {
            f.clinicians.push_back(p->user);
        }
        f.parties.push_back(std::move(*p));
    }
    if (names == NameMode::with_names) {
        KV_TRY(name_parties(f, s.party_rows));
    }

    Result<std::optional<std::string>> mode_text = std::optional<std::string>();
    for (const auto& r : by_kind[k_kind_process_mode]) {
        if (r.id == c.id) {
            auto text = unseal_all(k_kind_process_mode, {r});
            if (!text) {
                mode_text = std::move(text).error();
            } else {
                mode_text = std::optional<std::string>(std::move(text->front()));
            }
        }
    }
    const auto history =
        KV_TRY_VALUE(decode_optional<ModeHistoryRecord>(std::move(mode_text), mode_history_from_json));
    if (history.has_value() && !history->changes.empty()) {
        s.mode_history = *history;
        f.mode_history = history->changes;
    } else {
        const auto mode = domain::parse_process_mode(c.mode).value_or(domain::ProcessMode::closed);
        f.mode_history.push_back(domain::ModeChange{mode, c.created_at, ""});
    }

    auto custody = KV_TRY_VALUE(decode_all<CustodyRecordEntry>(of_kind(k_kind_custody), custody_from_json));
    for (auto& e : custody) {
        f.custody_records.push_back(std::move(e.record));
    }
    f.orders = KV_TRY_VALUE(decode_all<domain::CourtOrder>(of_kind(k_kind_order), order_from_json));
    f.rois = KV_TRY_VALUE(decode_all<domain::Roi>(of_kind(k_kind_roi), roi_from_json));

    s.agreements = KV_TRY_VALUE(decode_all<AgreementRecord>(of_kind(k_kind_agreement), agreement_from_json));
    const domain::Agreement* in_force = nullptr;
    for (const auto& a : s.agreements) {
        if (a.agreement.state != domain::AgreementState::executed) {
            continue;
        }
        if (in_force == nullptr || a.agreement.executed_at.value_or(0) > in_force->executed_at.value_or(0)) {
            in_force = &a.agreement;
        }
    }
    if (in_force != nullptr) {
        f.agreement = *in_force;
    }

    auto letters = KV_TRY_VALUE(decode_all<LetterRecord>(of_kind(k_kind_letter), letter_from_json));
    for (auto& l : letters) {
        s.letters_by_document[l.document_id] = std::move(l);
    }
    auto doc_facts = KV_TRY_VALUE(
        decode_all<DocumentFactsRecord>(of_kind(k_kind_document_facts), document_facts_from_json));
    for (auto& d : doc_facts) {
        s.document_facts[d.document_id] = std::move(d);
    }

    // Envelopes are the signing service's records (issue 4); only membership matters here.
    const auto envelopes = KV_TRY_VALUE(of_kind("envelope"));
    for (const auto& text : envelopes) {
        auto e = decode_envelope(text);
        if (!e) {
            return make_error(Errc::integrity, "a stored envelope could not be read");
        }
        domain::EnvelopeMembership m;
        m.envelope = e->id;
        m.executed = e->state == EnvelopeState::completed;
        for (const auto& signer : e->signers) {
            m.parties.push_back(signer.party_id);
        }
        if (!e->document_id.empty()) {
            auto doc = m;
            doc.executed_copy = m.executed;
            s.envelopes_by_document[e->document_id] = doc;
        }
        if (!e->certificate_document_id.empty()) {
            auto cert = m;
            cert.executed_copy = m.executed;
            s.envelopes_by_document[e->certificate_document_id] = cert;
        }
    }
    return s;
}

domain::SensitivitySet parse_sensitivity_list(const std::string& text) {
    domain::SensitivitySet out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) {
            if (const auto s = domain::parse_sensitivity(normalise_name(item))) {
                out.add(*s);
            }
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

std::string sensitivity_list(domain::SensitivitySet s) {
    std::string out;
    for (const auto f : {domain::Sensitivity::psychotherapy_notes, domain::Sensitivity::substance_use}) {
        if (s.has(f)) {
            out += (out.empty() ? "" : ",") + std::string(domain::to_string(f));
        }
    }
    return out;
}

domain::DocumentFacts document_facts(const CaseSnapshot& snapshot, const storage::DocumentRecord& d) {
    const auto& facts = snapshot.facts;
    domain::DocumentFacts f;
    f.id = d.id;
    f.case_id = d.case_id;
    f.type = domain::parse_doc_type(d.type).value_or(domain::DocType::other);
    if (const auto c = domain::parse_info_category(d.category)) {
        f.category = *c;
    } else if (f.type == domain::DocType::court_order) {
        f.category = domain::InfoCategory::legal;
    } else if (f.type == domain::DocType::clarification_letter) {
        f.category = domain::InfoCategory::correspondence;
    }
    f.uploader = d.created_by;
    if (!d.created_by_party.empty()) {
        f.author = d.created_by_party;
    }
    f.created_at = d.created_at;
    f.sensitivity = parse_sensitivity_list(d.sensitivity);

    const auto letter = snapshot.letters_by_document.find(d.id);
    if (letter != snapshot.letters_by_document.end()) {
        f.letter = letter->second.letter;
    }
    if (const auto env = snapshot.envelopes_by_document.find(d.id);
        env != snapshot.envelopes_by_document.end()) {
        f.envelope = env->second;
    }

    const auto classified = snapshot.document_facts.find(d.id);
    if (classified != snapshot.document_facts.end()) {
        f.subjects = classified->second.subjects;
        f.contact_details_of = classified->second.contact_details_of;
    }
    if (f.subjects.empty()) {
        if (f.type == domain::DocType::roi) {
            for (const auto& roi : facts.rois) {
                if (roi.document == d.id && !roi.subject.empty() &&
                    std::find(f.subjects.begin(), f.subjects.end(), roi.subject) == f.subjects.end()) {
                    f.subjects.push_back(roi.subject);
                }
            }
        } else if (f.letter) {
            f.subjects.push_back(f.letter->author);
        } else if (f.type == domain::DocType::clarification_letter && f.author) {
            f.subjects.push_back(*f.author);
        }
    }
    if (f.subjects.empty()) {
        const bool family_document =
            f.type == domain::DocType::court_order || f.type == domain::DocType::reunification_agreement;
        for (const auto& p : facts.parties) {
            if (is_role(p, domain::Role::child) || (family_document && is_role(p, domain::Role::parent))) {
                f.subjects.push_back(p.id);
            }
        }
    }
    if (classified == snapshot.document_facts.end() && f.type == domain::DocType::court_order) {
        // Orders carry addresses; under a protective order the restrained party does not receive them.
        for (const auto& p : facts.parties) {
            if (is_role(p, domain::Role::child) || is_role(p, domain::Role::parent)) {
                f.contact_details_of.push_back(p.id);
            }
        }
    }
    return f;
}

domain::Requester requester_for(const CaseSnapshot& snapshot, const Principal& principal) {
    domain::Requester r;
    r.user = principal.user_id;
    r.account = principal.kind;
    if (principal.user_id.empty()) {
        return r;
    }
    for (const auto& p : snapshot.facts.parties) {
        if (p.user != principal.user_id) {
            continue;
        }
        if (p.role == domain::Role::clinician && !principal.is_clinician()) {
            continue;
        }
        r.parties.push_back(p.id);
    }
    return r;
}

domain::Requester requester_as(const CaseSnapshot& snapshot, const std::string& party_id) {
    domain::Requester r;
    const domain::Party* p = domain::find_party(snapshot.facts, party_id);
    if (p == nullptr) {
        return r;
    }
    r.user = p->user;
    r.account =
        p->role == domain::Role::clinician ? domain::AccountKind::clinician : domain::AccountKind::member;
    r.parties.push_back(p->id);
    return r;
}

std::string party_name(const CaseSnapshot& snapshot, const std::string& party_id) {
    const domain::Party* p = domain::find_party(snapshot.facts, party_id);
    return p != nullptr ? p->name : party_id;
}

} // namespace kinvault::services
