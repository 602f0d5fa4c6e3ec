/*
 * version.h - the release this tree builds. It names the project on the wire (User-Agent on
 * every catalog, object-store and credential request) so a vendor's logs and support can tell
 * its requests apart.
 */
#ifndef O2P_VERSION_H
#define O2P_VERSION_H

#define O2P_VERSION "0.5.0"
#define O2P_USER_AGENT "otlp2parquet/" O2P_VERSION

#endif
