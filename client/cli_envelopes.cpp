#include "client/cli_parts.h"
#include "client/envelope_commands.h"

#include <CLI/CLI.hpp>

#include <memory>

namespace kinvault::client {

void register_envelope_commands(CLI::App& app, Cli& cli, int& rc) {
    auto* tmpl =
        app.add_subcommand("template", "document templates (agreement, ROI, letter cover, certificate)");
    tmpl->require_subcommand(1);
    tmpl->add_subcommand("list", "the templates the practice has")->callback([&] {
        rc = cmd_template_list(cli);
    });
    auto name = std::make_shared<std::string>();
    auto* show = tmpl->add_subcommand("show", "a template's fields and signer slots");
    show->add_option("NAME", *name)->required();
    show->callback([&, name] { rc = cmd_template_show(cli, *name); });

    auto* env = app.add_subcommand("envelope", "send documents for signature and sign them");
    env->require_subcommand(1);

    auto create = std::make_shared<EnvelopeCreateArgs>();
    auto* c = env->add_subcommand("create",
                                  "prepare an envelope from a template or a stored document (clinicians)");
    c->add_option("CASE", create->case_id)->required();
    c->add_option("--template", create->template_name, "template name (see `kinvault template list`)");
    c->add_option("--document", create->document, "or: a document already in the case");
    c->add_option("--title", create->title);
    c->add_option("--value", create->values, "template field NAME=VALUE; list entries LIST[0].FIELD=VALUE");
    c->add_option("--signer", create->signers,
                  "SLOT=PARTY[,capacity=self|parent_legal_custody|guardian|minor_self|clinician][,group=N]"
                  "[,authority=TEXT]")
        ->required();
    c->add_option("--stamp", create->stamps,
                  "with --document: text to fill in before anyone signs, PAGE:X,Y,WIDTH,HEIGHT=TEXT "
                  "(page from 1, points from the bottom left)");
    c->add_option("--expires-days", create->expires_days, "days the signers have (default 14)");
    c->add_option("--roi", create->roi, "the ROI record this envelope executes");
    c->add_flag("--send", create->send, "send at once");
    c->callback([&, create] {
        if (create->template_name.empty() == create->document.empty()) {
            std::cerr << "kinvault: give either --template or --document\n";
            rc = 2;
            return;
        }
        rc = cmd_envelope_create(cli, *create);
    });

    auto id = std::make_shared<std::string>();
    auto reason = std::make_shared<std::string>();
    for (const char* action : {"send", "status", "remind"}) {
        auto* s = env->add_subcommand(
            action, std::string(action) == "send"     ? "send to the first routing group"
                    : std::string(action) == "status" ? "who has signed, who is next"
                                                      : "remind the signers whose turn it is");
        s->add_option("ENVELOPE", *id)->required();
        const std::string a = action;
        s->callback([&, id, a] { rc = cmd_envelope_action(cli, *id, a, ""); });
    }
    auto* v = env->add_subcommand("void", "withdraw an envelope (sender)");
    v->add_option("ENVELOPE", *id)->required();
    v->add_option("--reason", *reason)->required();
    v->callback([&, id, reason] { rc = cmd_envelope_action(cli, *id, "void", *reason); });
    auto* d = env->add_subcommand("decline", "decline to sign, with a reason");
    d->add_option("ENVELOPE", *id)->required();
    d->add_option("--reason", *reason)->required();
    d->callback([&, id, reason] { rc = cmd_envelope_action(cli, *id, "decline", *reason); });
    auto case_id = std::make_shared<std::string>();
    auto* l = env->add_subcommand("list", "envelopes of a case");
    l->add_option("CASE", *case_id)->required();
    l->callback([&, case_id] { rc = cmd_envelope_list(cli, *case_id); });

    auto sign = std::make_shared<EnvelopeSignArgs>();
    auto* s = env->add_subcommand("sign", "review, consent, confirm it is you, and sign");
    s->add_option("ENVELOPE", sign->envelope)->required();
    s->add_option("--field", sign->fields, "your field values NAME=VALUE");
    s->add_option("--typed-signature", sign->typed_signature, "the name you adopt as your signature");
    s->add_flag("--accept-disclosure", sign->accept_disclosure,
                "you have read and accept the consent to sign electronically (else it is shown and asked)");
    s->add_flag("--intent", sign->intent, "you intend to sign (else you are asked to type SIGN)");
    s->add_option("--totp", sign->totp, "authenticator code, when enrolled");
    s->add_option("--save-copy", sign->keep_copy, "keep the exact PDF you are signing at this path");
    s->add_option("--key", sign->key, "sign with your own key (PEM) instead of a practice-issued one")
        ->check(CLI::ExistingFile);
    s->add_option("--cert", sign->cert, "your certificate (PEM), with --key")->check(CLI::ExistingFile);
    s->add_option("--chain", sign->chain, "intermediate certificates (PEM), with --key")
        ->check(CLI::ExistingFile);
    s->callback([&, sign] {
        if (sign->key.empty() != sign->cert.empty()) {
            std::cerr << "kinvault: --key and --cert go together\n";
            rc = 2;
            return;
        }
        rc = cmd_envelope_sign(cli, *sign);
    });

    auto out = std::make_shared<std::string>();
    auto certificate = std::make_shared<bool>(false);
    auto* dl = env->add_subcommand("download", "the signed document (or its certificate of completion)");
    dl->add_option("ENVELOPE", *id)->required();
    dl->add_option("-o,--output", *out)->required();
    dl->add_flag("--certificate", *certificate, "the certificate of completion instead");
    dl->callback([&, id, out, certificate] { rc = cmd_envelope_download(cli, *id, *out, *certificate); });
}

} // namespace kinvault::client
