#include "services/consent/codec.h"
#include "services/consent/codec_reader.h"

#include "domain/authority.h"
#include "domain/readiness.h"

#include <Poco/JSON/Array.h>

namespace kinvault::services {

using namespace codec_detail;

// ------------------------------------------------------------------------------------------- agreements

Obj allowance_to_json(const domain::AgreementAllowance& a) {
    Obj o = new Poco::JSON::Object();
    o->set("recipient_roles", names_array(a.recipient_roles));
    o->set("categories", names_array(a.categories));
    o->set("scope", std::string(domain::to_string(a.scope)));
    return o;
}

namespace {

domain::AgreementAllowance read_allowance(Reader& r) {
    domain::AgreementAllowance a;
    a.recipient_roles = r.many<domain::Role>("recipient_roles", domain::parse_role);
    a.categories = r.many<domain::InfoCategory>("categories", domain::parse_info_category);
    a.scope = r.one_or<domain::AllowanceScope>("scope", domain::parse_allowance_scope,
                                               domain::AllowanceScope::client_only);
    return a;
}

} // namespace

Result<domain::AgreementAllowance> allowance_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    auto a = read_allowance(r);
    KV_TRY(finish(errors, "the allowance is not valid"));
    return a;
}

Obj agreement_to_json(const AgreementRecord& rec) {
    const auto& a = rec.agreement;
    Obj o = new Poco::JSON::Object();
    o->set("case_id", rec.case_id);
    o->set("document_id", a.document);
    o->set("version", a.version);
    o->set("state", std::string(domain::to_string(a.state)));
    o->set("state_changed_at", format_utc(a.state_changed_at));
    put_time(o, "executed_at", a.executed_at);
    o->set("mode", std::string(domain::to_string(a.mode)));
    Arr closed = new Poco::JSON::Array();
    for (const auto& x : a.closed_allowances) {
        closed->add(allowance_to_json(x));
    }
    o->set("closed_allowances", closed);
    Arr open = new Poco::JSON::Array();
    for (const auto& x : a.open_allowances) {
        open->add(allowance_to_json(x));
    }
    o->set("open_allowances", open);
    put_opt(o, "implements_order", a.implements_order);
    put_opt(o, "supersedes", a.supersedes);
    return o;
}

Result<AgreementRecord> agreement_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    AgreementRecord rec;
    rec.case_id = r.str("case_id");
    auto& a = rec.agreement;
    a.document = r.str("document_id");
    a.version = static_cast<int>(r.integer("version", 1));
    a.state = r.one_or<domain::AgreementState>("state", domain::parse_agreement_state,
                                               domain::AgreementState::draft);
    a.state_changed_at = r.time("state_changed_at").value_or(0);
    a.executed_at = r.time("executed_at");
    a.mode = r.one_or<domain::ProcessMode>("mode", domain::parse_process_mode, domain::ProcessMode::closed);
    const auto closed = r.objects("closed_allowances");
    for (std::size_t i = 0; i < closed.size(); ++i) {
        Reader ar(closed[i], "closed_allowances[" + std::to_string(i) + "]", errors);
        a.closed_allowances.push_back(read_allowance(ar));
    }
    const auto open = r.objects("open_allowances");
    for (std::size_t i = 0; i < open.size(); ++i) {
        Reader ar(open[i], "open_allowances[" + std::to_string(i) + "]", errors);
        a.open_allowances.push_back(read_allowance(ar));
    }
    a.implements_order = opt_str(r, "implements_order");
    a.supersedes = opt_str(r, "supersedes");
    KV_TRY(finish(errors, "the agreement is not valid"));
    return rec;
}

// ---------------------------------------------------------------------------------------------- letters

Obj letter_to_json(const LetterRecord& l) {
    Obj o = new Poco::JSON::Object();
    o->set("id", l.id);
    o->set("case_id", l.case_id);
    o->set("document_id", l.document_id);
    o->set("author", l.letter.author);
    o->set("child", l.letter.child);
    o->set("state", std::string(domain::to_string(l.letter.state)));
    o->set("release_targets", array_of(l.letter.release_targets));
    o->set("state_changed_at", format_utc(l.letter.state_changed_at));
    put_time(o, "released_at", l.letter.released_at);
    Arr notes = new Poco::JSON::Array();
    for (const auto& n : l.revision_notes) {
        Obj no = new Poco::JSON::Object();
        no->set("at", format_utc(n.at));
        no->set("text", n.text);
        notes->add(no);
    }
    o->set("revision_notes", notes);
    return o;
}

Result<LetterRecord> letter_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    LetterRecord l;
    l.id = r.str("id");
    l.case_id = r.str("case_id");
    l.document_id = r.str("document_id");
    l.letter.author = r.str("author");
    l.letter.child = r.str("child");
    l.letter.state =
        r.one_or<domain::LetterState>("state", domain::parse_letter_state, domain::LetterState::draft);
    l.letter.release_targets = r.strings("release_targets");
    l.letter.state_changed_at = r.time("state_changed_at").value_or(0);
    l.letter.released_at = r.time("released_at");
    const auto notes = r.objects("revision_notes");
    for (std::size_t i = 0; i < notes.size(); ++i) {
        Reader nr(notes[i], "revision_notes[" + std::to_string(i) + "]", errors);
        l.revision_notes.push_back({nr.time("at").value_or(0), nr.str("text")});
    }
    KV_TRY(finish(errors, "the letter record is not valid"));
    return l;
}

// -------------------------------------------------------------------------------- parties and documents

Obj party_facts_to_json(const PartyFacts& p) {
    Obj o = new Poco::JSON::Object();
    o->set("party_id", p.party_id);
    o->set("case_id", p.case_id);
    put_opt(o, "treats", p.treats);
    o->set("minor_consented_treatment", p.minor_consented_treatment);
    put_opt(o, "successor", p.successor);
    put_time(o, "status_since", p.status_since);
    return o;
}

Result<PartyFacts> party_facts_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    PartyFacts p;
    p.party_id = r.str("party_id");
    p.case_id = r.str("case_id");
    p.treats = opt_str(r, "treats");
    p.minor_consented_treatment = r.flag("minor_consented_treatment");
    p.successor = opt_str(r, "successor");
    p.status_since = r.time("status_since");
    KV_TRY(finish(errors, "the party facts are not valid"));
    return p;
}

Obj document_facts_to_json(const DocumentFactsRecord& d) {
    Obj o = new Poco::JSON::Object();
    o->set("document_id", d.document_id);
    o->set("case_id", d.case_id);
    o->set("subjects", array_of(d.subjects));
    o->set("contact_details_of", array_of(d.contact_details_of));
    return o;
}

Result<DocumentFactsRecord> document_facts_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    DocumentFactsRecord d;
    d.document_id = r.str("document_id");
    d.case_id = r.str("case_id");
    d.subjects = r.strings("subjects");
    d.contact_details_of = r.strings("contact_details_of");
    KV_TRY(finish(errors, "the document facts are not valid"));
    return d;
}

Obj custody_to_json(const CustodyRecordEntry& c) {
    Obj o = new Poco::JSON::Object();
    o->set("id", c.record.id);
    o->set("case_id", c.case_id);
    o->set("child", c.record.child);
    o->set("kind", std::string(domain::to_string(c.record.kind)));
    o->set("holders", array_of(c.record.holders));
    o->set("recorded_at", format_utc(c.record.recorded_at));
    o->set("verified", c.record.verified);
    o->set("basis", c.record.basis);
    return o;
}

Result<CustodyRecordEntry> custody_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    CustodyRecordEntry c;
    c.record.id = r.str("id");
    c.case_id = r.str("case_id");
    c.record.child = r.str("child", true);
    c.record.kind =
        r.one_or<domain::CustodyKind>("kind", domain::parse_custody_kind, domain::CustodyKind::joint);
    c.record.holders = r.strings("holders");
    c.record.recorded_at = r.time("recorded_at").value_or(0);
    c.record.verified = r.flag("verified");
    c.record.basis = r.str("basis");
    KV_TRY(finish(errors, "the custody record is not valid"));
    return c;
}

Obj mode_history_to_json(const ModeHistoryRecord& m) {
    Obj o = new Poco::JSON::Object();
    o->set("case_id", m.case_id);
    Arr changes = new Poco::JSON::Array();
    for (const auto& c : m.changes) {
        Obj co = new Poco::JSON::Object();
        co->set("mode", std::string(domain::to_string(c.mode)));
        co->set("effective_from", format_utc(c.effective_from));
        co->set("amendment", c.amendment);
        changes->add(co);
    }
    o->set("changes", changes);
    return o;
}

Result<ModeHistoryRecord> mode_history_from_json(const Obj& json) {
    std::vector<std::string> errors;
    Reader r(json, "", errors);
    ModeHistoryRecord m;
    m.case_id = r.str("case_id");
    const auto changes = r.objects("changes");
    for (std::size_t i = 0; i < changes.size(); ++i) {
        Reader cr(changes[i], "changes[" + std::to_string(i) + "]", errors);
        m.changes.push_back(
            {cr.one_or<domain::ProcessMode>("mode", domain::parse_process_mode, domain::ProcessMode::closed),
             cr.time("effective_from").value_or(0), cr.str("amendment")});
    }
    KV_TRY(finish(errors, "the process mode history is not valid"));
    return m;
}

// ------------------------------------------------------------------------------------ decisions, readiness

Obj decision_to_json(const domain::Decision& d) {
    Obj o = new Poco::JSON::Object();
    o->set("decision", std::string(domain::to_string(d.effect)));
    o->set("rule", std::string(d.rule_code()));
    Obj basis = new Poco::JSON::Object();
    basis->set("kind", std::string(domain::to_string(d.basis.kind)));
    basis->set("ids", array_of(d.basis.ids));
    o->set("basis", basis);
    o->set("reason", d.reason);
    o->set("notes", array_of(d.notes));
    Arr obligations = new Poco::JSON::Array();
    for (const auto& ob : d.obligations) {
        Obj oo = new Poco::JSON::Object();
        oo->set("kind", std::string(domain::to_string(ob.kind)));
        oo->set("text", ob.text);
        obligations->add(oo);
    }
    o->set("obligations", obligations);
    return o;
}

Obj defect_to_json(const domain::RoiDefect& d) {
    Obj o = new Poco::JSON::Object();
    o->set("code", std::string(domain::to_string(d.code)));
    o->set("field", d.field);
    o->set("message", d.message);
    return o;
}

Obj readiness_to_json(const domain::CaseReadiness& r) {
    Obj o = new Poco::JSON::Object();
    o->set("ready", r.ready);
    o->set("has_current_order_or_plan", r.has_current_order_or_plan);
    o->set("problems", array_of(r.problems));
    Arr children = new Poco::JSON::Array();
    for (const auto& c : r.children) {
        Obj co = new Poco::JSON::Object();
        co->set("child", c.child);
        co->set("child_name", c.child_name);
        co->set("ready", c.ready);
        co->set("problems", array_of(c.problems));
        Arr therapists = new Poco::JSON::Array();
        for (const auto& t : c.therapists) {
            Obj to = new Poco::JSON::Object();
            to->set("therapist", t.therapist);
            to->set("therapist_name", t.therapist_name);
            to->set("mode", std::string(domain::to_string(t.mode)));
            to->set("requirement", t.requirement);
            to->set("ready", t.ready);
            Arr links = new Poco::JSON::Array();
            for (const auto& l : t.links) {
                Obj lo = new Poco::JSON::Object();
                lo->set("authoriser", l.authoriser);
                lo->set("authoriser_name", l.authoriser_name);
                lo->set("capacity", std::string(domain::to_string(l.capacity)));
                lo->set("direction", std::string(domain::to_string(l.direction)));
                lo->set("state", std::string(domain::to_string(l.state)));
                put_opt(lo, "roi", l.roi);
                put_time(lo, "ends_at", l.ends_at);
                lo->set("detail", l.detail);
                links->add(lo);
            }
            to->set("links", links);
            to->set("missing", array_of(t.missing));
            therapists->add(to);
        }
        co->set("therapists", therapists);
        children->add(co);
    }
    o->set("children", children);
    return o;
}

} // namespace kinvault::services
