#include "services/consent/codec.h"
#include "services/consent/codec_reader.h"

#include "domain/authority.h"
#include "domain/readiness.h"

#include <limits>

namespace kinvault::services {

using namespace codec_detail;

// ------------------------------------------------------------------------------------------- agreements

std::string allowance_to_json(const domain::AgreementAllowance& a) {
    Fields f;
    f.names("recipient_roles", a.recipient_roles).names("categories", a.categories).name("scope", a.scope);
    return f.str();
}

domain::AgreementAllowance read_allowance(Object& o) {
    domain::AgreementAllowance a;
    a.recipient_roles = many<domain::Role>(o, "recipient_roles", domain::parse_role);
    a.categories = many<domain::InfoCategory>(o, "categories", domain::parse_info_category);
    a.scope = one_or<domain::AllowanceScope>(o, "scope", domain::parse_allowance_scope,
                                             domain::AllowanceScope::client_only);
    return a;
}

Result<domain::AgreementAllowance> allowance_from_json(const json::Value& json) {
    return read_whole<domain::AgreementAllowance>(json, "the allowance is not valid", read_allowance);
}

std::string agreement_to_json(const AgreementRecord& rec) {
    const auto& a = rec.agreement;
    Fields o;
    o.text("case_id", rec.case_id)
        .text("document_id", a.document)
        .integer("version", a.version)
        .name("state", a.state)
        .time("state_changed_at", a.state_changed_at)
        .time("executed_at", a.executed_at)
        .name("mode", a.mode)
        .raw("closed_allowances", list_of(a.closed_allowances, allowance_to_json))
        .raw("open_allowances", list_of(a.open_allowances, allowance_to_json))
        .opt("implements_order", a.implements_order)
        .opt("supersedes", a.supersedes);
    return o.str();
}

Result<AgreementRecord> agreement_from_json(const json::Value& json) {
    return read_whole<AgreementRecord>(json, "the agreement is not valid", [](Object& r) {
        AgreementRecord rec;
        rec.case_id = text(r, "case_id");
        auto& a = rec.agreement;
        a.document = text(r, "document_id");
        a.version = static_cast<int>(
            r.optional_integer("version", std::numeric_limits<int>::min(), std::numeric_limits<int>::max())
                .value_or(1));
        a.state = one_or<domain::AgreementState>(r, "state", domain::parse_agreement_state,
                                                 domain::AgreementState::draft);
        a.state_changed_at = time(r, "state_changed_at").value_or(0);
        a.executed_at = time(r, "executed_at");
        a.mode =
            one_or<domain::ProcessMode>(r, "mode", domain::parse_process_mode, domain::ProcessMode::closed);
        each_object(r, "closed_allowances", Keys::any,
                    [&](Object& x) { a.closed_allowances.push_back(read_allowance(x)); });
        each_object(r, "open_allowances", Keys::any,
                    [&](Object& x) { a.open_allowances.push_back(read_allowance(x)); });
        a.implements_order = opt_text(r, "implements_order");
        a.supersedes = opt_text(r, "supersedes");
        return rec;
    });
}

// ---------------------------------------------------------------------------------------------- letters

std::string letter_to_json(const LetterRecord& l) {
    Fields o;
    o.text("id", l.id)
        .text("case_id", l.case_id)
        .text("document_id", l.document_id)
        .text("author", l.letter.author)
        .text("child", l.letter.child)
        .name("state", l.letter.state)
        .texts("release_targets", l.letter.release_targets)
        .time("state_changed_at", l.letter.state_changed_at)
        .time("released_at", l.letter.released_at)
        .raw("revision_notes", list_of(l.revision_notes, [](const RevisionNote& n) {
                 Fields f;
                 f.time("at", n.at).text("text", n.text);
                 return f.str();
             }));
    return o.str();
}

Result<LetterRecord> letter_from_json(const json::Value& json) {
    return read_whole<LetterRecord>(json, "the letter record is not valid", [](Object& r) {
        LetterRecord l;
        l.id = text(r, "id");
        l.case_id = text(r, "case_id");
        l.document_id = text(r, "document_id");
        l.letter.author = text(r, "author");
        l.letter.child = text(r, "child");
        l.letter.state =
            one_or<domain::LetterState>(r, "state", domain::parse_letter_state, domain::LetterState::draft);
        l.letter.release_targets = texts(r, "release_targets");
        l.letter.state_changed_at = time(r, "state_changed_at").value_or(0);
        l.letter.released_at = time(r, "released_at");
        each_object(r, "revision_notes", Keys::any, [&](Object& n) {
            const UnixTime at = time(n, "at").value_or(0);
            l.revision_notes.push_back({at, text(n, "text")});
        });
        return l;
    });
}

// -------------------------------------------------------------------------------- parties and documents

std::string party_facts_to_json(const PartyFacts& p) {
    Fields o;
    o.text("party_id", p.party_id)
        .text("case_id", p.case_id)
        .opt("treats", p.treats)
        .boolean("minor_consented_treatment", p.minor_consented_treatment)
        .opt("successor", p.successor)
        .time("status_since", p.status_since);
    return o.str();
}

Result<PartyFacts> party_facts_from_json(const json::Value& json) {
    return read_whole<PartyFacts>(json, "the party facts are not valid", [](Object& r) {
        PartyFacts p;
        p.party_id = text(r, "party_id");
        p.case_id = text(r, "case_id");
        p.treats = opt_text(r, "treats");
        p.minor_consented_treatment = flag(r, "minor_consented_treatment");
        p.successor = opt_text(r, "successor");
        p.status_since = time(r, "status_since");
        return p;
    });
}

std::string document_facts_to_json(const DocumentFactsRecord& d) {
    Fields o;
    o.text("document_id", d.document_id)
        .text("case_id", d.case_id)
        .texts("subjects", d.subjects)
        .texts("contact_details_of", d.contact_details_of);
    return o.str();
}

Result<DocumentFactsRecord> document_facts_from_json(const json::Value& json) {
    return read_whole<DocumentFactsRecord>(json, "the document facts are not valid", [](Object& r) {
        DocumentFactsRecord d;
        d.document_id = text(r, "document_id");
        d.case_id = text(r, "case_id");
        d.subjects = texts(r, "subjects");
        d.contact_details_of = texts(r, "contact_details_of");
        return d;
    });
}

std::string custody_to_json(const CustodyRecordEntry& c) {
    Fields o;
    o.text("id", c.record.id)
        .text("case_id", c.case_id)
        .text("child", c.record.child)
        .name("kind", c.record.kind)
        .texts("holders", c.record.holders)
        .time("recorded_at", c.record.recorded_at)
        .boolean("verified", c.record.verified)
        .text("basis", c.record.basis);
    return o.str();
}

Result<CustodyRecordEntry> custody_from_json(const json::Value& json) {
    return read_whole<CustodyRecordEntry>(json, "the custody record is not valid", [](Object& r) {
        CustodyRecordEntry c;
        c.record.id = text(r, "id");
        c.case_id = text(r, "case_id");
        c.record.child = r.required_string("child");
        c.record.kind =
            one_or<domain::CustodyKind>(r, "kind", domain::parse_custody_kind, domain::CustodyKind::joint);
        c.record.holders = texts(r, "holders");
        c.record.recorded_at = time(r, "recorded_at").value_or(0);
        c.record.verified = flag(r, "verified");
        c.record.basis = text(r, "basis");
        return c;
    });
}

std::string mode_history_to_json(const ModeHistoryRecord& m) {
    Fields o;
    o.text("case_id", m.case_id).raw("changes", list_of(m.changes, [](const domain::ModeChange& c) {
                                         Fields f;
                                         f.name("mode", c.mode)
                                             .time("effective_from", c.effective_from)
                                             .text("amendment", c.amendment);
                                         return f.str();
                                     }));
    return o.str();
}

Result<ModeHistoryRecord> mode_history_from_json(const json::Value& json) {
    return read_whole<ModeHistoryRecord>(json, "the process mode history is not valid", [](Object& r) {
        ModeHistoryRecord m;
        m.case_id = text(r, "case_id");
        each_object(r, "changes", Keys::any, [&](Object& c) {
            const auto mode = one_or<domain::ProcessMode>(c, "mode", domain::parse_process_mode,
                                                          domain::ProcessMode::closed);
            const UnixTime from = time(c, "effective_from").value_or(0);
            m.changes.push_back({mode, from, text(c, "amendment")});
        });
        return m;
    });
}

// ------------------------------------------------------------------------------------ decisions, readiness

std::string decision_to_json(const domain::Decision& d) {
    Fields basis;
    basis.name("kind", d.basis.kind).texts("ids", d.basis.ids);
    Fields o;
    o.name("decision", d.effect)
        .text("rule", d.rule_code())
        .raw("basis", basis.str())
        .text("reason", d.reason)
        .texts("notes", d.notes)
        .raw("obligations", list_of(d.obligations, [](const auto& ob) {
                 Fields f;
                 f.name("kind", ob.kind).text("text", ob.text);
                 return f.str();
             }));
    return o.str();
}

std::string defect_to_json(const domain::RoiDefect& d) {
    Fields o;
    o.name("code", d.code).text("field", d.field).text("message", d.message);
    return o.str();
}

namespace {

std::string therapist_to_json(const domain::TherapistReadiness& t) {
    Fields o;
    o.text("therapist", t.therapist)
        .text("therapist_name", t.therapist_name)
        .name("mode", t.mode)
        .text("requirement", t.requirement)
        .boolean("ready", t.ready)
        .raw("links", list_of(t.links,
                              [](const auto& l) {
                                  Fields f;
                                  f.text("authoriser", l.authoriser)
                                      .text("authoriser_name", l.authoriser_name)
                                      .name("capacity", l.capacity)
                                      .name("direction", l.direction)
                                      .name("state", l.state)
                                      .opt("roi", l.roi)
                                      .time("ends_at", l.ends_at)
                                      .text("detail", l.detail);
                                  return f.str();
                              }))
        .texts("missing", t.missing);
    return o.str();
}

} // namespace

std::string readiness_to_json(const domain::CaseReadiness& r) {
    Fields o;
    o.boolean("ready", r.ready)
        .boolean("has_current_order_or_plan", r.has_current_order_or_plan)
        .texts("problems", r.problems)
        .raw("children", list_of(r.children, [](const auto& c) {
                 Fields f;
                 f.text("child", c.child)
                     .text("child_name", c.child_name)
                     .boolean("ready", c.ready)
                     .texts("problems", c.problems)
                     .raw("therapists", list_of(c.therapists, therapist_to_json));
                 return f.str();
             }));
    return o.str();
}

} // namespace kinvault::services
