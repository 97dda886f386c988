/*
 * A stand-in for Windows' bcryptprimitives.dll, for the installer check
 * under Wine only (never shipped). Go programs since Go 1.22 get their
 * random bytes from its ProcessPrng, which Windows 10 and later have but
 * Debian 12's Wine 8.0 does not, so lempar-cli.exe would stop at start
 * ("bcryptprimitives.dll not found"). This one answers from RtlGenRandom,
 * which Wine has. .ci/check-packages.sh builds it with mingw-w64 and puts
 * it into the scratch Wine prefix's system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
