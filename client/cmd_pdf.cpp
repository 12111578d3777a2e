#include "client/commands.h"
#include "client/output.h"
#include "common/clock.h"
#include "pdf/sign.h"
#include "pdf/verify.h"

#include <Poco/JSON/Array.h>

#include <iostream>

namespace kinvault::client {

int cmd_verify_pdf(Cli& cli, const std::string& file, const std::vector<std::string>& roots) {
    auto report_r = pdf::verify_pdf_file(file, roots);
    if (!report_r) {
        return client::report(report_r.error());
    }
    const pdf::VerifyReport& r = *report_r;
    if (cli.globals.json) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("ok", r.ok);
        o->set("file_size", static_cast<Poco::UInt64>(r.file_size));
        o->set("revisions", r.revision_count);
        o->set("chain_checked", r.chain_checked);
        o->set("modified_after_last_signature", r.modified_after_last_signature);
        o->set("bytes_after_last_signature", static_cast<Poco::UInt64>(r.bytes_after_last_signature));
        Poco::JSON::Array::Ptr problems = new Poco::JSON::Array();
        for (const auto& p : r.problems) {
            problems->add(p);
        }
        o->set("problems", problems);
        Poco::JSON::Array::Ptr sigs = new Poco::JSON::Array();
        for (const auto& s : r.signatures) {
            Poco::JSON::Object::Ptr so = new Poco::JSON::Object();
            so->set("field", s.field_name);
            so->set("signer", s.signer_name);
            so->set("email", s.signer_email);
            so->set("signing_time", s.signing_time ? format_utc(*s.signing_time) : s.signing_time_text);
            so->set("sub_filter", s.sub_filter);
            so->set("revision", s.revision);
            so->set("revision_end", static_cast<Poco::UInt64>(s.revision_end));
            so->set("covers_whole_file", s.covers_whole_file);
            so->set("ok", s.ok);
            Poco::JSON::Array::Ptr sp = new Poco::JSON::Array();
            for (const auto& p : s.problems) {
                sp->add(p);
            }
            so->set("problems", sp);
            sigs->add(so);
        }
        o->set("signatures", sigs);
        print_json(o);
    } else {
        std::cout << pdf::format_report(r);
    }
    return r.ok ? exit_ok : exit_verify;
}

int cmd_sign_local(Cli& cli, const SignLocalArgs& a) {
    pdf::SignLocalOptions o;
    o.key_path = a.key;
    o.certificate_path = a.cert;
    if (!a.chain.empty()) {
        o.chain_path = a.chain;
    }
    o.input_path = a.in;
    o.output_path = a.out;
    if (!a.reason.empty()) {
        o.reason = a.reason;
    }
    o.signing_time = SystemClock().now();
    auto r = pdf::sign_local(o);
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        Poco::JSON::Object::Ptr j = new Poco::JSON::Object();
        j->set("output", a.out);
        j->set("field", r->field_name);
        j->set("signer", r->signer_name);
        j->set("signature_id", r->signature_id);
        j->set("size", static_cast<Poco::UInt64>(r->output_size));
        print_json(j);
    } else {
        std::cout << "Signed " << a.out << " as " << r->signer_name << " (field " << r->field_name << ")\n";
    }
    return exit_ok;
}

} // namespace kinvault::client
