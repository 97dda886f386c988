/*
 * A stand-in for netsh.exe in the scratch Wine prefix of the installer check
 * (never shipped): it appends its command line to C:\netsh.log and succeeds,
 * so the check sees exactly which firewall commands an all-users install and
 * its uninstall run (Wine's own netsh knows no advfirewall).
 */
#include <windows.h>
#include <stdio.h>

int main(void)
{
	FILE *f = fopen("C:\\netsh.log", "a");
	if (!f)
		return 1;
	fprintf(f, "%s\n", GetCommandLineA());
	fclose(f);
	return 0;
}
