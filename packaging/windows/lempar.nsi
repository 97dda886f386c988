; The Windows installer: lempar-VERSION-windows-amd64-setup.exe, built by
; packaging/package-windows.sh with Debian's makensis:
;   makensis -WX -DVERSION=x.y.z -DSRC=dir -DOUTFILE=file packaging/windows/lempar.nsi
; SRC holds lempar.exe, lempar-cli.exe, lempar.ico and firewall.nsh (written
; by packaging/windows/firewall).
;
; Who it installs for:
;   just this user: %LOCALAPPDATA%\Programs\Lempar, HKCU, Start menu of this
;                 user; no administrator needed
;   everyone:     Program Files\Lempar, HKLM, the common Start menu, and
;                 firewall rules for private networks; needs administrator
;   Without a switch: an earlier install's kind (an upgrade stays what it
;   was); else everyone when run as administrator (elevated), else just
;   this user. /ALLUSERS and /CURRENTUSER choose. Both kinds at once are
;   refused (exit code 1638): uninstall one first.
; Other switches: /S silent, /DESKTOP desktop shortcut, /PATH lempar-cli on
; PATH, /D=folder (last, unquoted) another folder for a first install.
; An upgrade installs into the folder of the earlier install and keeps its
; shortcut and PATH choices. Settings (%APPDATA%\lempar) and received files
; are never touched, by the installer or the uninstaller.

!ifndef VERSION | SRC | OUTFILE
	!error "define VERSION, SRC and OUTFILE (see packaging/package-windows.sh)"
!endif

Unicode true
Target amd64-unicode ; a 64-bit installer for a 64-bit app (and Wine's wine64 runs it)
SetCompressor /SOLID lzma
ManifestDPIAware true
RequestExecutionLevel user ; /ALLUSERS checks for administrator rights itself

!define APP "Lempar"
!define PUBLISHER "The Lempar authors"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Lempar"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"

Name "${APP}"
OutFile "${OUTFILE}"
BrandingText "${APP} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include WinMessages.nsh
!include x64.nsh
!include Sections.nsh
!include "${SRC}/firewall.nsh"

Var AllUsers  ; 1: installed (or being installed) for all users
Var Upgrade   ; 1: an earlier install was found; its folder is kept

!define MUI_ICON "${SRC}/lempar.ico"
!define MUI_UNICON "${SRC}/lempar.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\lempar.exe"

!insertmacro MUI_PAGE_COMPONENTS
!define MUI_PAGE_CUSTOMFUNCTION_PRE SkipDirOnUpgrade
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Indonesian"
!include "strings.nsh"
!include "path.nsh" ; after the strings: its functions use them

VIProductVersion "${VERSION}.0"
VIFileVersion "${VERSION}.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP} ${VERSION} setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"

; NotRunning: lempar.exe and lempar-cli.exe in $INSTDIR can be opened for
; writing, i.e. no process runs them (Windows refuses to write an image in
; use). Otherwise the person is asked to quit Lempar and retry; silently, or
; on Cancel, the install stops before any file is replaced (exit code 2).
!macro NotRunningFunction UN
Function ${UN}NotRunning
	${Do}
		StrCpy $R0 ""
		${If} ${FileExists} "$INSTDIR\lempar.exe"
			ClearErrors
			FileOpen $R1 "$INSTDIR\lempar.exe" a
			${If} ${Errors}
				StrCpy $R0 busy
			${Else}
				FileClose $R1
			${EndIf}
		${EndIf}
		${If} ${FileExists} "$INSTDIR\lempar-cli.exe"
			ClearErrors
			FileOpen $R1 "$INSTDIR\lempar-cli.exe" a
			${If} ${Errors}
				StrCpy $R0 busy
			${Else}
				FileClose $R1
			${EndIf}
		${EndIf}
		${If} $R0 == ""
			Return
		${EndIf}
		DetailPrint "$(AppRunning)"
		MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(AppRunning)" /SD IDCANCEL IDRETRY retry
		Abort "$(AppRunning)"
		retry:
	${Loop}
FunctionEnd
!macroend
!insertmacro NotRunningFunction ""
!insertmacro NotRunningFunction "un."

Function SkipDirOnUpgrade
	${If} $Upgrade = 1
		Abort ; skips the page: an upgrade stays where it is
	${EndIf}
FunctionEnd

Section "$(SecAppName)" SecApp
	SectionIn RO
	Call NotRunning
	SetOutPath "$INSTDIR"
	File "${SRC}/lempar.exe"
	File "${SRC}/lempar-cli.exe"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\lempar.exe"

	WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${APP}"
	WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
	WriteRegStr SHCTX "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\lempar.exe,0"
	WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
	WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
	; the uninstaller speaks the language the install spoke
	WriteRegDWORD SHCTX "${UNINST_KEY}" "LemparLanguage" $LANGUAGE

	${If} $AllUsers = 1
		DetailPrint "$(FirewallDetail)"
		!insertmacro LemparFirewallAdd
	${EndIf}
SectionEnd

Section /o "$(SecDesktopName)" SecDesktop
	CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\lempar.exe"
SectionEnd

Section /o "$(SecPathName)" SecPath
	ReadRegDWORD $R8 SHCTX "${UNINST_KEY}" "LemparPath"
	Call PathAdd
	${If} $R7 = 1
	${OrIf} $R8 = 1
		WriteRegDWORD SHCTX "${UNINST_KEY}" "LemparPath" 1
	${EndIf}
SectionEnd

; Last: records the choices, undoes the ones an upgrade unticked, and the size.
Section "-Finish"
	${If} ${SectionIsSelected} ${SecDesktop}
		WriteRegDWORD SHCTX "${UNINST_KEY}" "LemparDesktopShortcut" 1
	${Else}
		Delete "$DESKTOP\${APP}.lnk"
		DeleteRegValue SHCTX "${UNINST_KEY}" "LemparDesktopShortcut"
	${EndIf}
	${IfNot} ${SectionIsSelected} ${SecPath}
		ReadRegDWORD $R8 SHCTX "${UNINST_KEY}" "LemparPath"
		${If} $R8 = 1
			Call PathRemove
			DeleteRegValue SHCTX "${UNINST_KEY}" "LemparPath"
		${EndIf}
	${EndIf}
	${GetSize} "$INSTDIR" "/S=0K" $R0 $R1 $R2
	IntFmt $R0 "0x%08X" $R0
	WriteRegDWORD SHCTX "${UNINST_KEY}" "EstimatedSize" $R0
SectionEnd

; after the sections: it selects them by their index
Function .onInit
	SetRegView 64
	${GetParameters} $R0
	UserInfo::GetAccountType
	Pop $R3 ; "Admin" when elevated
	ReadRegStr $R4 HKCU "${UNINST_KEY}" "InstallLocation"
	ReadRegStr $R5 HKLM "${UNINST_KEY}" "InstallLocation"
	; the kind asked for, else the earlier install's, else by elevation
	StrCpy $AllUsers 0
	ClearErrors
	${GetOptions} $R0 "/ALLUSERS" $R1
	${IfNot} ${Errors}
		StrCpy $AllUsers 1
	${Else}
		ClearErrors
		${GetOptions} $R0 "/CURRENTUSER" $R1
		${If} ${Errors}
		${AndIf} $R4 == ""
			${If} $R5 != ""
			${OrIf} $R3 == "Admin"
				StrCpy $AllUsers 1
			${EndIf}
		${EndIf}
	${EndIf}
	${If} $AllUsers = 1
		${If} $R3 != "Admin"
			; upgrading an install for everyone: say so, not "use /CURRENTUSER"
			StrCpy $R1 $R5
			StrCpy $R2 "$(NeedAdmin)"
			${If} $R1 != ""
				StrCpy $R2 "$(AllUsersInstalled)"
			${EndIf}
			MessageBox MB_OK|MB_ICONSTOP "$R2" /SD IDOK
			SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
			Quit
		${EndIf}
		SetShellVarContext all
		StrCpy $EnvKey "${ENV_MACHINE}"
	${Else}
		SetShellVarContext current
		StrCpy $EnvKey "${ENV_USER}"
	${EndIf}

	; an install of the other kind: two copies would fight over the port
	; and the Start menu, so the person picks one
	${If} $AllUsers = 1
		StrCpy $R1 $R4
		StrCpy $R2 "$(UserInstalled)"
	${Else}
		StrCpy $R1 $R5
		StrCpy $R2 "$(AllUsersInstalled)"
	${EndIf}
	${If} $R1 != ""
		MessageBox MB_OK|MB_ICONSTOP "$R2" /SD IDOK
		SetErrorLevel 1638 ; ERROR_PRODUCT_VERSION: another install of it exists
		Quit
	${EndIf}

	; an earlier install of this kind: same folder, same choices
	StrCpy $Upgrade 0
	ReadRegStr $R1 SHCTX "${UNINST_KEY}" "InstallLocation"
	${If} $R1 != ""
		StrCpy $INSTDIR $R1
		StrCpy $Upgrade 1
		ReadRegDWORD $R2 SHCTX "${UNINST_KEY}" "LemparDesktopShortcut"
		${If} $R2 = 1
			!insertmacro SelectSection ${SecDesktop}
		${EndIf}
		ReadRegDWORD $R2 SHCTX "${UNINST_KEY}" "LemparPath"
		${If} $R2 = 1
			!insertmacro SelectSection ${SecPath}
		${EndIf}
	${ElseIf} $INSTDIR == "" ; not given with /D=
		${If} $AllUsers = 1
			StrCpy $INSTDIR "$PROGRAMFILES64\${APP}"
		${Else}
			StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${APP}"
		${EndIf}
	${EndIf}

	ClearErrors
	${GetOptions} $R0 "/DESKTOP" $R1
	${IfNot} ${Errors}
		!insertmacro SelectSection ${SecDesktop}
	${EndIf}
	ClearErrors
	${GetOptions} $R0 "/PATH" $R1
	${IfNot} ${Errors}
		!insertmacro SelectSection ${SecPath}
	${EndIf}
FunctionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
	!insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "$(SecAppDesc)"
	!insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "$(SecDesktopDesc)"
	!insertmacro MUI_DESCRIPTION_TEXT ${SecPath} "$(SecPathDesc)"
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function un.onInit
	SetRegView 64
	; all users if the machine's entry names this folder
	ReadRegStr $R1 HKLM "${UNINST_KEY}" "InstallLocation"
	${If} $R1 == $INSTDIR
		UserInfo::GetAccountType
		Pop $R1
		${If} $R1 != "Admin"
			MessageBox MB_OK|MB_ICONSTOP "$(UnNeedAdmin)" /SD IDOK
			SetErrorLevel 740
			Quit
		${EndIf}
		StrCpy $AllUsers 1
		SetShellVarContext all
		StrCpy $EnvKey "${ENV_MACHINE}"
	${Else}
		StrCpy $AllUsers 0
		SetShellVarContext current
		StrCpy $EnvKey "${ENV_USER}"
	${EndIf}
	ReadRegDWORD $R1 SHCTX "${UNINST_KEY}" "LemparLanguage"
	${If} $R1 = ${LANG_ENGLISH}
	${OrIf} $R1 = ${LANG_INDONESIAN}
		StrCpy $LANGUAGE $R1
	${EndIf}
FunctionEnd

; Removes what the installer put there, file by file: never a recursive
; delete of a folder someone may have chosen for other things too.
Section "Uninstall"
	Call un.NotRunning
	${If} $AllUsers = 1
		!insertmacro LemparFirewallRemove
	${EndIf}
	ReadRegDWORD $R8 SHCTX "${UNINST_KEY}" "LemparPath"
	${If} $R8 = 1
		Call un.PathRemove
	${EndIf}
	; the app's "start at sign-in" setting points here; it would dangle
	ReadRegStr $R0 HKCU "${RUN_KEY}" "${APP}"
	StrLen $R1 '"$INSTDIR\lempar.exe"'
	StrCpy $R0 $R0 $R1
	${If} $R0 == '"$INSTDIR\lempar.exe"'
		DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
	${EndIf}
	Delete "$SMPROGRAMS\${APP}.lnk"
	Delete "$DESKTOP\${APP}.lnk"
	Delete "$INSTDIR\lempar.exe"
	Delete "$INSTDIR\lempar-cli.exe"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	DeleteRegKey SHCTX "${UNINST_KEY}"
SectionEnd
