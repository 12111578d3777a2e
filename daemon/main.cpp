#include "app/daemon.h"

#include <iostream>

POCO_SERVER_MAIN(kinvault::app::KinvaultDaemon)
