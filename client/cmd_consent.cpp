#include "client/consent_commands.h"
#include "client/output.h"
#include "common/file.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <fstream>
#include <iostream>

namespace kinvault::client {

namespace {

using Obj = Poco::JSON::Object::Ptr;
using Arr = Poco::JSON::Array::Ptr;

Result<Obj> read_json_file(const std::string& path) {
    constexpr std::size_t k_max_json = 1024 * 1024;
    auto text = read_text_file(path, k_max_json);
    if (!text) {
        return make_error(Errc::invalid_input, text.error().message);
    }
    try {
        Poco::JSON::Parser parser;
        const auto v = parser.parse(*text);
        if (v.type() != typeid(Obj)) {
            return make_error(Errc::invalid_input, path + " must hold a JSON object");
        }
        return v.extract<Obj>();
    } catch (const Poco::Exception& e) {
        return make_error(Errc::invalid_input, path + " is not valid JSON: " + e.displayText());
    }
}

Arr strings(const std::vector<std::string>& values) {
    Arr a = new Poco::JSON::Array();
    for (const auto& v : values) {
        a->add(v);
    }
    return a;
}

void set_text(Obj o, const std::string& key, const std::string& value) {
    if (!value.empty()) {
        o->set(key, value);
    }
}

void set_list(Obj o, const std::string& key, const std::vector<std::string>& values) {
    if (!values.empty()) {
        o->set(key, strings(values));
    }
}

Obj child(Obj o, const std::string& key) {
    Obj c = o->has(key) ? o->getObject(key) : nullptr;
    if (!c) {
        c = new Poco::JSON::Object();
        o->set(key, c);
    }
    return c;
}

std::vector<std::string> list_of(const Obj& o, const std::string& key) {
    std::vector<std::string> out;
    if (!o || !o->has(key)) {
        return out;
    }
    const Arr a = o->getArray(key);
    for (std::size_t i = 0; a && i < a->size(); ++i) {
        out.push_back(a->get(static_cast<unsigned>(i)).convert<std::string>());
    }
    return out;
}

std::string joined(const std::vector<std::string>& parts, const std::string& sep = ", ") {
    std::string out;
    for (const auto& p : parts) {
        out += (out.empty() ? "" : sep) + p;
    }
    return out;
}

std::string date_part(const std::string& time) {
    return time.size() >= 10 ? time.substr(0, 10) : time;
}

// Runs one API call with the saved session.
Result<Obj> call(Cli& cli, const std::string& method, const std::string& path, const Obj& body = nullptr) {
    auto api = cli.api();
    if (!api) {
        return std::move(api).error();
    }
    return api->call(method, path, body);
}

void line(const std::string& key, const std::string& value) {
    if (!value.empty()) {
        std::cout << key << std::string(key.size() < 14 ? 14 - key.size() : 1, ' ') << value << "\n";
    }
}

std::string recipients_words(const Obj& roi) {
    std::vector<std::string> out;
    const Arr a = roi->getArray("recipients");
    for (std::size_t i = 0; a && i < a->size(); ++i) {
        const Obj r = a->getObject(static_cast<unsigned>(i));
        std::string w = str(r, "name");
        if (!str(r, "revoked_at").empty()) {
            w += " (revoked " + date_part(str(r, "revoked_at")) + ")";
        }
        out.push_back(w);
    }
    return joined(out);
}

void print_roi(const Obj& roi) {
    line("ROI", str(roi, "id"));
    line("Document", str(roi, "document_id"));
    line("Subject", str(roi, "subject_name") + " (" + str(roi, "subject") + ")");
    std::string state = str(roi, "state");
    if (str(roi, "in_force") == "true") {
        state += ", in force" + (str(roi, "expires_on").empty() ? "" : " until " + str(roi, "expires_on"));
    } else if (state == "active") {
        state += ", not in force";
    }
    line("State", state);
    line("Recipients", recipients_words(roi));
    const Obj info = roi->getObject("information");
    std::vector<std::string> covers = list_of(info, "doc_types");
    for (const auto& c : list_of(info, "categories")) {
        covers.push_back(c);
    }
    std::string range;
    if (!str(info, "from").empty() || !str(info, "until").empty()) {
        range = " dated " + (str(info, "from").empty() ? "any time" : date_part(str(info, "from"))) + " to " +
                (str(info, "until").empty() ? "any time" : date_part(str(info, "until")));
    }
    line("Covers", joined(covers) + range);
    line("Sensitive", joined(list_of(info, "sensitivity")));
    line("Purposes", joined(list_of(roi, "purposes")));
    line("Direction", str(roi, "direction"));
    const Arr sigs = roi->getArray("signers");
    for (std::size_t i = 0; sigs && i < sigs->size(); ++i) {
        const Obj s = sigs->getObject(static_cast<unsigned>(i));
        const Obj a = s->getObject("authority");
        std::string auth =
            a && str(a, "kind") != "none" ? ", relying on " + str(a, "kind") + " " + str(a, "id") : "";
        line(i == 0 ? "Signed by" : "",
             str(s, "name") + " as " + str(s, "capacity") + auth + " on " + date_part(str(s, "signed_at")));
    }
    line("Authorisation", str(roi, "authorisation"));
    const Arr defects = roi->getArray("defects");
    if (defects && defects->size() > 0) {
        std::cout << "Missing or wrong (" << defects->size() << "):\n";
        for (std::size_t i = 0; i < defects->size(); ++i) {
            const Obj d = defects->getObject(static_cast<unsigned>(i));
            std::cout << "  - " << str(d, "field") << ": " << str(d, "message") << "\n";
        }
    }
}

// "attorney, minors-counsel: attendance, payment [whole-case]" -> an agreement allowance.
Result<Obj> allowance(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) {
        return make_error(Errc::invalid_input,
                          "an allowance reads 'ROLES: CATEGORIES [whole-case]', not '" + text + "'");
    }
    const auto split = [](const std::string& s) {
        std::vector<std::string> out;
        std::string cur;
        for (const char c : s + ",") {
            if (c == ',' || c == ' ') {
                if (!cur.empty()) {
                    out.push_back(cur);
                }
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        return out;
    };
    Obj o = new Poco::JSON::Object();
    o->set("recipient_roles", strings(split(text.substr(0, colon))));
    std::vector<std::string> categories;
    for (const auto& w : split(text.substr(colon + 1))) {
        if (w == "whole-case" || w == "client-only") {
            o->set("scope", w);
        } else {
            categories.push_back(w);
        }
    }
    o->set("categories", strings(categories));
    return o;
}

} // namespace

// ----------------------------------------------------------------------------------------------------- roi

namespace {

// The flags of `roi create` / `roi update` over an ROI's JSON (flags win).
void overlay_roi(Obj roi, const RoiCreateArgs& a) {
    set_text(roi, "document_id", a.document);
    set_text(roi, "kind", a.kind);
    set_text(roi, "subject", a.subject);
    set_text(roi, "discloser", a.discloser);
    if (!a.recipients.empty()) {
        Arr rs = new Poco::JSON::Array();
        for (const auto& r : a.recipients) {
            Obj ro = new Poco::JSON::Object();
            const auto colon = r.find(':');
            ro->set("kind", colon == std::string::npos ? std::string("party") : r.substr(0, colon));
            ro->set("party", colon == std::string::npos ? r : r.substr(colon + 1));
            rs->add(ro);
        }
        roi->set("recipients", rs);
    }
    const Obj info = child(roi, "information");
    set_list(info, "doc_types", a.doc_types);
    set_list(info, "categories", a.categories);
    set_text(info, "from", a.from);
    set_text(info, "until", a.until);
    set_list(info, "sensitivity", a.sensitivity);
    set_text(info, "description", a.description);
    set_text(info, "substance_use_description", a.substance_use_description);
    set_list(roi, "purposes", a.purposes);
    set_text(roi, "direction", a.direction);
    set_text(roi, "valid_from", a.valid_from);
    const Obj expiry = child(roi, "expiry");
    set_text(expiry, "date", a.expires);
    set_text(expiry, "event", a.expiry_event);
    set_text(expiry, "event_description", a.expiry_event_description);
    if (!a.statements.empty()) {
        Obj st = child(roi, "statements");
        for (const auto& s : a.statements) {
            const bool all = s == "all";
            for (const char* k :
                 {"right_to_revoke", "treatment_not_conditioned", "redisclosure", "right_to_copy"}) {
                std::string dashed = k;
                for (char& c : dashed) {
                    c = c == '_' ? '-' : c;
                }
                if (all || s == k || s == dashed) {
                    st->set(k, true);
                }
            }
        }
    }
    set_text(roi, "template_version", a.template_version);
    set_text(roi, "document_sha256", a.sha256);
    set_list(roi, "decision_subjects", a.decision_subjects);
    if (a.minor_consented) {
        roi->set("minor_consented_services", true);
    }
}

int print_draft(Cli& cli, const Obj& r, const std::string& verb) {
    if (cli.globals.json) {
        print_json(r);
        return exit_ok;
    }
    std::cout << verb << " ROI " << str(r, "id") << " (draft).\n";
    if (str(r, "valid") != "true") {
        std::cout << "Before it can be signed, complete: " << str(r, "missing") << "\n";
    }
    return exit_ok;
}

} // namespace

int cmd_roi_create(Cli& cli, const RoiCreateArgs& a) {
    Obj roi = new Poco::JSON::Object();
    if (!a.file.empty()) {
        auto f = read_json_file(a.file);
        if (!f) {
            return report(f.error());
        }
        roi = *f;
    }
    overlay_roi(roi, a);
    auto r = call(cli, "POST", "/api/v1/cases/" + url_encode(a.case_id) + "/rois", roi);
    if (!r) {
        return report(r.error());
    }
    return print_draft(cli, *r, "Created");
}

int cmd_roi_update(Cli& cli, const std::string& roi_id, const RoiCreateArgs& a) {
    Obj roi;
    if (!a.file.empty()) {
        auto f = read_json_file(a.file);
        if (!f) {
            return report(f.error());
        }
        roi = *f;
    } else {
        auto current = call(cli, "GET", "/api/v1/rois/" + url_encode(roi_id));
        if (!current) {
            return report(current.error());
        }
        roi = *current;
    }
    overlay_roi(roi, a);
    auto r = call(cli, "PUT", "/api/v1/rois/" + url_encode(roi_id), roi);
    if (!r) {
        return report(r.error());
    }
    return print_draft(cli, *r, "Updated");
}

int cmd_roi_validate(Cli& cli, const std::string& roi) {
    auto r = call(cli, "POST", "/api/v1/rois/" + url_encode(roi) + "/validate", new Poco::JSON::Object());
    if (!r) {
        return report(r.error());
    }
    const bool valid = str(*r, "valid") == "true";
    if (cli.globals.json) {
        print_json(*r);
    } else if (valid) {
        std::cout << "ROI " << roi << " has every required element.\n";
    } else {
        const Arr d = (*r)->getArray("defects");
        std::cout << "ROI " << roi << " is defective; " << d->size() << " element(s) missing or wrong:\n";
        for (std::size_t i = 0; i < d->size(); ++i) {
            const Obj x = d->getObject(static_cast<unsigned>(i));
            std::cout << "  - " << str(x, "field") << ": " << str(x, "message") << "\n";
        }
    }
    return valid ? exit_ok : exit_verify;
}

int cmd_roi_record_signature(Cli& cli, const RoiSignArgs& a) {
    Obj body = new Poco::JSON::Object();
    body->set("signer", a.signer);
    body->set("capacity", a.capacity);
    set_text(body, "authority", a.authority);
    set_text(body, "signed_at", a.signed_on);
    set_text(body, "evidence", a.evidence);
    auto r = call(cli, "POST", "/api/v1/rois/" + url_encode(a.roi) + "/record-signature", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Signature recorded. ROI " << str(*r, "id") << " is " << str(*r, "state")
                  << (str(*r, "in_force") == "true" ? " and in force" : "") << ".\n";
        if (str(*r, "state") != "active") {
            std::cout << str(*r, "authorisation") << "\n";
        }
    }
    return exit_ok;
}

int cmd_roi_revoke(Cli& cli, const std::string& roi, const std::string& recipient, const std::string& by) {
    Obj body = new Poco::JSON::Object();
    set_text(body, "recipient", recipient);
    set_text(body, "by", by);
    auto r = call(cli, "POST", "/api/v1/rois/" + url_encode(roi) + "/revoke", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else if (!recipient.empty() && str(*r, "state") != "revoked") {
        std::cout << "Revoked for " << recipient << " from now on; the ROI stays in force for the others.\n";
    } else {
        std::cout << "ROI " << roi << " is revoked from now on. Disclosures made before now stay lawful.\n";
    }
    return exit_ok;
}

int cmd_roi_reinstate(Cli& cli, const std::string& roi) {
    auto r = call(cli, "POST", "/api/v1/rois/" + url_encode(roi) + "/reinstate", new Poco::JSON::Object());
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "ROI " << roi << " is " << str(*r, "state") << " again.\n";
    }
    return exit_ok;
}

int cmd_roi_list(Cli& cli, const std::string& case_id) {
    auto r = call(cli, "GET", "/api/v1/cases/" + url_encode(case_id) + "/rois");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"ID", "SUBJECT", "RECIPIENTS", "STATE", "IN FORCE", "ENDS"});
    const auto list = items(*r);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Obj roi = list->getObject(static_cast<unsigned>(i));
        t.row({str(roi, "id"), str(roi, "subject_name"), recipients_words(roi), str(roi, "state"),
               str(roi, "in_force") == "true" ? "yes" : "no", str(roi, "expires_on")});
    }
    t.print();
    return exit_ok;
}

int cmd_roi_show(Cli& cli, const std::string& roi) {
    auto r = call(cli, "GET", "/api/v1/rois/" + url_encode(roi));
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        print_roi(*r);
    }
    return exit_ok;
}

int cmd_roi_export(Cli& cli, const std::string& roi, const std::string& format, const std::string& out) {
    if (format != "fhir") {
        std::cerr << "kinvault: the only export format is fhir (HL7 FHIR R5 Consent)\n";
        return exit_usage;
    }
    auto r = call(cli, "GET", "/api/v1/rois/" + url_encode(roi) + "/fhir");
    if (!r) {
        return report(r.error());
    }
    if (out.empty() || out == "-") {
        print_json(*r);
        return exit_ok;
    }
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    Poco::JSON::Stringifier::stringify(*r, f, 2);
    f << "\n";
    if (!f) {
        std::cerr << "kinvault: cannot write " << out << "\n";
        return exit_failed;
    }
    if (!cli.globals.json) {
        std::cout << "Saved the FHIR R5 Consent for " << roi << " to " << out << "\n";
    }
    return exit_ok;
}

// --------------------------------------------------------------------------------------------------- order

int cmd_order_add(Cli& cli, const OrderAddArgs& a) {
    Obj order = new Poco::JSON::Object();
    if (!a.file.empty()) {
        auto f = read_json_file(a.file);
        if (!f) {
            return report(f.error());
        }
        order = *f;
    }
    set_text(order, "document_id", a.document);
    set_text(order, "kind", a.kind);
    set_text(order, "court", a.court);
    set_text(order, "case_number", a.case_number);
    set_text(order, "issued_at", a.issued);
    set_text(order, "effective_at", a.effective);
    set_text(order, "expires_at", a.expires);
    if (!a.terms.empty()) {
        std::vector<std::string> terms = list_of(order, "terms");
        terms.insert(terms.end(), a.terms.begin(), a.terms.end());
        order->set("terms", strings(terms));
    }
    auto r = call(cli, "POST", "/api/v1/cases/" + url_encode(a.case_id) + "/orders", order);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Recorded " << str(*r, "title") << " as " << str(*r, "id")
                  << " (received). Check it against the court's copy, then run `kinvault order verify "
                  << str(*r, "id") << "`.\n";
    }
    return exit_ok;
}

int cmd_order_verify(Cli& cli, const std::string& order) {
    auto r = call(cli, "POST", "/api/v1/orders/" + url_encode(order) + "/verify", new Poco::JSON::Object());
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << str(*r, "title") << " is verified; it counts from " << str(*r, "effective_on") << ".\n";
    }
    return exit_ok;
}

int cmd_order_list(Cli& cli, const std::string& case_id) {
    auto r = call(cli, "GET", "/api/v1/cases/" + url_encode(case_id) + "/orders");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"ID", "ORDER", "STATUS", "ISSUED", "EFFECTIVE", "TERMS"});
    const auto list = items(*r);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Obj o = list->getObject(static_cast<unsigned>(i));
        std::vector<std::string> terms;
        for (const char* k :
             {"custody", "mutual_consent", "restrictions", "protective", "compels", "supersedes"}) {
            const Arr x = o->getArray(k);
            if (x && x->size() > 0) {
                terms.push_back(std::to_string(x->size()) + " " + k);
            }
        }
        t.row({str(o, "id"), str(o, "title"), str(o, "status"), str(o, "issued_on"), str(o, "effective_on"),
               joined(terms)});
    }
    t.print();
    return exit_ok;
}

// -------------------------------------------------------------------- readiness, explain, disclosures

int cmd_readiness(Cli& cli, const std::string& case_id) {
    auto r = call(cli, "GET", "/api/v1/cases/" + url_encode(case_id) + "/readiness");
    if (!r) {
        return report(r.error());
    }
    const bool ready = str(*r, "ready") == "true";
    if (cli.globals.json) {
        print_json(*r);
        return ready ? exit_ok : exit_not_ready;
    }
    std::cout << (ready ? "READY: every release needed to coordinate with each child's therapist is signed "
                          "and in force.\n"
                        : "NOT READY: what is missing, and from whom:\n");
    for (const auto& p : list_of(*r, "problems")) {
        std::cout << "  - " << p << "\n";
    }
    const Arr children = (*r)->getArray("children");
    for (std::size_t i = 0; children && i < children->size(); ++i) {
        const Obj c = children->getObject(static_cast<unsigned>(i));
        std::cout << "\n"
                  << str(c, "child_name") << (str(c, "ready") == "true" ? ": ready" : ": not ready") << "\n";
        for (const auto& p : list_of(c, "problems")) {
            std::cout << "  - " << p << "\n";
        }
        const Arr therapists = c->getArray("therapists");
        for (std::size_t j = 0; therapists && j < therapists->size(); ++j) {
            const Obj t = therapists->getObject(static_cast<unsigned>(j));
            std::cout << "  With " << str(t, "therapist_name")
                      << (str(t, "ready") == "true" ? " (ready)" : " (not ready)") << ": "
                      << str(t, "requirement") << "\n";
            Table table({"    WHO MUST SIGN", "SHARING", "STATE", "ROI", "UNTIL"});
            const Arr links = t->getArray("links");
            for (std::size_t k = 0; links && k < links->size(); ++k) {
                const Obj l = links->getObject(static_cast<unsigned>(k));
                const std::string dir = str(l, "direction") == "clinician-to-recipient"
                                            ? "clinician -> therapist"
                                            : "therapist -> clinician";
                table.row({"    " + str(l, "authoriser_name"), dir, str(l, "state"), str(l, "roi"),
                           date_part(str(l, "ends_at"))});
            }
            table.print();
            for (const auto& m : list_of(t, "missing")) {
                std::cout << "    - " << m << "\n";
            }
        }
    }
    return ready ? exit_ok : exit_not_ready;
}

int cmd_access_explain(Cli& cli, const std::string& document, const std::string& party) {
    auto r =
        call(cli, "GET", "/api/v1/documents/" + url_encode(document) + "/access?party=" + url_encode(party));
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
        return exit_ok;
    }
    const Obj basis = (*r)->getObject("basis");
    line("Document", str(*r, "document_id"));
    line("As", str(*r, "party_name") + " (" + str(*r, "party") + ")");
    line("Decision", str(*r, "decision"));
    line("Rule", str(*r, "rule"));
    line("Basis", basis ? str(basis, "kind") +
                              (list_of(basis, "ids").empty() ? "" : " " + joined(list_of(basis, "ids")))
                        : "");
    line("Reason", str(*r, "reason"));
    const auto notes = list_of(*r, "notes");
    if (!notes.empty()) {
        std::cout << "Notes:\n";
        for (const auto& n : notes) {
            std::cout << "  - " << n << "\n";
        }
    }
    const Arr obligations = (*r)->getArray("obligations");
    if (obligations && obligations->size() > 0) {
        std::cout << "Obligations:\n";
        for (std::size_t i = 0; i < obligations->size(); ++i) {
            std::cout << "  - " << str(obligations->getObject(static_cast<unsigned>(i)), "text") << "\n";
        }
    }
    return exit_ok;
}

int cmd_disclosures(Cli& cli, const std::string& case_id, const std::string& party) {
    std::string path = "/api/v1/cases/" + url_encode(case_id) + "/disclosures";
    if (!party.empty()) {
        path += "?party=" + url_encode(party);
    }
    auto r = call(cli, "GET", path);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"WHEN", "RECIPIENT", "DOCUMENT", "TYPE", "VER", "RULE", "BASIS", "PURPOSE"});
    const auto list = items(*r);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Obj d = list->getObject(static_cast<unsigned>(i));
        t.row({str(d, "at"), str(d, "recipient_name"),
               str(d, "document_title") + " (" + str(d, "document_id") + ")", str(d, "document_type"),
               str(d, "version"), str(d, "rule"), str(d, "basis"), str(d, "purpose")});
    }
    t.print();
    return exit_ok;
}

// -------------------------------------------------------------------------------------------------- letter

int cmd_letter_create(Cli& cli, const std::string& case_id, const std::string& document,
                      const std::string& child_id) {
    Obj body = new Poco::JSON::Object();
    body->set("document_id", document);
    body->set("child", child_id);
    auto r = call(cli, "POST", "/api/v1/cases/" + url_encode(case_id) + "/letters", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Registered letter " << str(*r, "id")
                  << " (draft). Submit it with `kinvault letter submit " << str(*r, "id") << "`.\n";
    }
    return exit_ok;
}

int cmd_letter_action(Cli& cli, const std::string& letter, const std::string& action, const std::string& note,
                      const std::vector<std::string>& targets) {
    Obj body = new Poco::JSON::Object();
    set_text(body, "note", note);
    set_list(body, "targets", targets);
    auto r = call(cli, "POST", "/api/v1/letters/" + url_encode(letter) + "/" + action, body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Letter " << letter << " is " << str(*r, "state") << ".\n";
    }
    return exit_ok;
}

int cmd_letter_list(Cli& cli, const std::string& case_id) {
    auto r = call(cli, "GET", "/api/v1/cases/" + url_encode(case_id) + "/letters");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"ID", "AUTHOR", "FOR", "STATE", "DOCUMENT"});
    const auto list = items(*r);
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Obj l = list->getObject(static_cast<unsigned>(i));
        t.row({str(l, "id"), str(l, "author_name"), str(l, "child_name"), str(l, "state"),
               str(l, "document_id")});
    }
    t.print();
    return exit_ok;
}

// -------------------------------------------------------------------------------- facts the clinician
// records

int cmd_party_treats(Cli& cli, const std::string& therapist, const std::string& child_id,
                     bool minor_consented) {
    Obj body = new Poco::JSON::Object();
    body->set("treats", child_id);
    body->set("minor_consented_treatment", minor_consented);
    auto r = call(cli, "POST", "/api/v1/parties/" + url_encode(therapist) + "/consent-facts", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Recorded: " << therapist << " is the individual therapist of " << child_id
                  << (minor_consented ? " (treatment the child consented to personally)" : "") << ".\n";
    }
    return exit_ok;
}

int cmd_party_substitute(Cli& cli, const std::string& counsel, const std::string& successor) {
    Obj body = new Poco::JSON::Object();
    body->set("substituted_by", successor);
    auto r = call(cli, "POST", "/api/v1/parties/" + url_encode(counsel) + "/consent-facts", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Recorded: " << successor << " replaces " << counsel << " as counsel. ROIs naming "
                  << counsel << " individually no longer reach anyone.\n";
    }
    return exit_ok;
}

int cmd_doc_classify(Cli& cli, const ClassifyArgs& a) {
    Obj body = new Poco::JSON::Object();
    set_list(body, "subjects", a.subjects);
    set_list(body, "contact_details_of", a.contact_of);
    set_text(body, "category", a.category);
    if (!a.sensitivity.empty() || a.no_sensitivity) {
        body->set("sensitivity", strings(a.sensitivity));
    }
    auto r = call(cli, "POST", "/api/v1/documents/" + url_encode(a.document) + "/classification", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Recorded the release facts of " << a.document << ".\n";
    }
    return exit_ok;
}

int cmd_agreement_record(Cli& cli, const AgreementArgs& a) {
    Obj body = new Poco::JSON::Object();
    body->set("document_id", a.document);
    set_text(body, "mode", a.mode);
    set_text(body, "effective_from", a.effective);
    for (const auto& [key, texts] :
         {std::pair{"closed_allowances", &a.allow_closed}, std::pair{"open_allowances", &a.allow_open}}) {
        if (texts->empty()) {
            continue;
        }
        Arr list = new Poco::JSON::Array();
        for (const auto& t : *texts) {
            auto x = allowance(t);
            if (!x) {
                return report(x.error());
            }
            list->add(*x);
        }
        body->set(key, list);
    }
    auto r = call(cli, "POST", "/api/v1/cases/" + url_encode(a.case_id) + "/agreement", body);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        std::cout << "Agreement " << str(*r, "document_id") << " (version " << str(*r, "version")
                  << ") is in force; the process is " << str(*r, "mode") << " going forward.\n";
    }
    return exit_ok;
}

} // namespace kinvault::client
