/*
 * Per-domain HVM parameters, read and written with HVMOP_get_param and
 * HVMOP_set_param. A PVH/HVM Linux reads STORE_* and CONSOLE_* to find its
 * XenStore and console rings, and writes CALLBACK_IRQ.
 */
#ifndef SABLE_PUBLIC_HVM_PARAMS_H
#define SABLE_PUBLIC_HVM_PARAMS_H

#include "hvm_op.h"

/*
 * How events reach vCPU 0 (without a per-vCPU vector). Zero: not at all.
 * Otherwise bits 63:56 give the type and the rest its argument:
 *   GSI:      bits 55:0 = the GSI (not 0)
 *   PCI_INTX: bits 47:32 PCI segment, 31:16 bus, 15:8 devfn, 1:0 INTx pin
 *   VECTOR:   bits 7:0 = an IDT vector, raised directly (XENFEAT_hvm_callback_vector)
 */
#define HVM_PARAM_CALLBACK_IRQ              0
#define HVM_PARAM_CALLBACK_IRQ_TYPE_MASK    0xFF00000000000000
#define HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT   56
#define HVM_PARAM_CALLBACK_TYPE_GSI         0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX    1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR      2

#define HVM_PARAM_STORE_PFN                 1   /* XenStore ring frame */
#define HVM_PARAM_STORE_EVTCHN              2   /* its event channel */
#define HVM_PARAM_IOREQ_PFN                 5   /* device-model request page */
#define HVM_PARAM_BUFIOREQ_PFN              6
#define HVM_PARAM_VIRIDIAN                  9   /* Hyper-V enlightenments */
#define HVM_PARAM_TIMER_MODE                10  /* HVMPTM_* */
#define HVM_PARAM_HPET_ENABLED              11
#define HVM_PARAM_IDENT_PT                  12  /* VMX: identity map, CR0.PG=0 */
#define HVM_PARAM_ACPI_S_STATE              14
#define HVM_PARAM_VM86_TSS                  15
#define HVM_PARAM_VPT_ALIGN                 16
#define HVM_PARAM_CONSOLE_PFN               17  /* PV console ring frame */
#define HVM_PARAM_CONSOLE_EVTCHN            18  /* its event channel */
#define HVM_PARAM_ACPI_IOPORTS_LOCATION     19
#define HVM_PARAM_PAGING_RING_PFN           27
#define HVM_PARAM_MONITOR_RING_PFN          28
#define HVM_PARAM_SHARING_RING_PFN          29
#define HVM_PARAM_TRIPLE_FAULT_REASON       31  /* SHUTDOWN_* on triple fault */
#define HVM_PARAM_IOREQ_SERVER_PFN          32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES     33
#define HVM_PARAM_VM_GENERATION_ID_ADDR     34
#define HVM_PARAM_ALTP2M                    35
#define HVM_PARAM_X87_FIP_WIDTH             36
#define HVM_PARAM_VM86_TSS_SIZED            37
#define HVM_PARAM_MCA_CAP                   38
#define HVM_NR_PARAMS                       39

/* HVM_PARAM_TIMER_MODE values */
#define HVMPTM_delay_for_missed_ticks       0
#define HVMPTM_no_delay_for_missed_ticks    1
#define HVMPTM_no_missed_ticks_pending      2
#define HVMPTM_one_missed_tick_pending      3

#endif /* SABLE_PUBLIC_HVM_PARAMS_H */
