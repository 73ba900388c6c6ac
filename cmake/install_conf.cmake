# Writes the installed sluice.conf (called by cmake --install; SLUICE_CONF_SRC
# and SLUICE_DATADIR come from the install(CODE) before it in CMakeLists.txt):
# the source tree's conf/sluice.conf, documented key by key, with base_dir
# and data_dir set for the installed layout. The directories follow the
# prefix given at install time the way GNUInstallDirs does (/usr: /etc and
# /var; /opt/x: /etc/opt/x and /var/opt/x; else PREFIX/etc and PREFIX/var).
# An existing file is the administrator's and is kept; the new one is
# written beside it as sluice.conf.dist.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(sysconf "/etc")
  set(localstate "/var")
elseif(prefix MATCHES "^/opt/")
  set(sysconf "/etc${prefix}")
  set(localstate "/var${prefix}")
else()
  set(sysconf "${prefix}/etc")
  set(localstate "${prefix}/var")
endif()
set(base "${prefix}/${SLUICE_DATADIR}/sluice")
set(data "${localstate}/lib/sluice")
set(confdir "$ENV{DESTDIR}${sysconf}/sluice")
file(READ "${SLUICE_CONF_SRC}" conf)
string(REGEX REPLACE "\nbase_dir = [^\n]*" "\nbase_dir = ${base}" conf "${conf}")
string(REGEX REPLACE "\ndata_dir = [^\n]*" "\ndata_dir = ${data}" conf "${conf}")
string(REPLACE "# This file is runnable as is from the source tree: data goes under var/ and
# the project's own signatures are used, plus /var/lib/clamav when it exists."
  "# Installed by cmake --install: relative paths are under ${base}
# (the project's signatures and templates); data goes to ${data}." conf "${conf}")
string(REPLACE "\"..\" here: the source tree's top." "\"..\" when run from the source tree; here, where the installed templates are." conf "${conf}")
file(MAKE_DIRECTORY "${confdir}")
if(EXISTS "${confdir}/sluice.conf")
  set(dest "${confdir}/sluice.conf.dist")
  message(STATUS "Keeping ${confdir}/sluice.conf; the new one is ${dest}")
else()
  set(dest "${confdir}/sluice.conf")
endif()
file(WRITE "${dest}" "${conf}")
# It may come to name secrets' files: not world-readable.
file(CHMOD "${dest}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
message(STATUS "Installing: ${dest}")
