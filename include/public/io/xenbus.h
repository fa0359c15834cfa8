/*
 * States of a split device, as each end writes them (a decimal string) in
 * its XenStore directory's "state" node. Front and back step through them
 * together to connect and to tear down.
 */
#ifndef SABLE_PUBLIC_IO_XENBUS_H
#define SABLE_PUBLIC_IO_XENBUS_H

#define XenbusStateUnknown          0   /* node missing */
#define XenbusStateInitialising     1
#define XenbusStateInitWait         2   /* back: details published, waiting for front */
#define XenbusStateInitialised      3   /* front: ring and event channel published */
#define XenbusStateConnected        4
#define XenbusStateClosing          5
#define XenbusStateClosed           6
#define XenbusStateReconfiguring    7
#define XenbusStateReconfigured     8

#endif /* SABLE_PUBLIC_IO_XENBUS_H */
