#pragma once

#include "app/settings.h"

#include <Poco/Util/ServerApplication.h>

namespace kinvault::app {

class KinvaultDaemon final : public Poco::Util::ServerApplication {
protected:
    void initialize(Poco::Util::Application& self) override;
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    int run_init();
    int run_server();
    void print_help() const;

    Settings m_settings;
    bool m_help{false};
    bool m_version{false};
};

} // namespace kinvault::app
