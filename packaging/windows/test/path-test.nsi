; Tries path.nsh's PATH editing on cases (run under Wine by
; .ci/check-windows-installer.sh): each Case sets HKCU\Environment Path (or
; removes it), runs PathAdd, then PathRemove if it added, and writes
;   name|Path after PathAdd|added (1/0)|Path after PathRemove
; into C:\path-test.log; each Remove runs PathRemove alone and writes
;   name|Path after PathRemove
; "<none>" stands for no Path value. The check compares the log with
; path-test.want.
Unicode true
Target amd64-unicode
SilentInstall silent
RequestExecutionLevel user
Name "path-test"
OutFile "${OUTFILE}"

!include LogicLib.nsh
!include WinMessages.nsh
LoadLanguageFile "${NSISDIR}\Contrib\Language files\English.nlf"
LangString PathTooLong ${LANG_ENGLISH} "PATH too long"
LangString UnPathTooLong ${LANG_ENGLISH} "PATH too long"
!include "${PATHNSH}"

Var Log

Function Show ; $R0 = the Path value now, or <none>
	ClearErrors
	ReadRegStr $R0 HKCU "Environment" "Path"
	${If} ${Errors}
		StrCpy $R0 "<none>"
	${EndIf}
FunctionEnd

; Case NAME BEFORE: BEFORE "<none>" deletes the value
!macro Case NAME BEFORE
	${If} "${BEFORE}" == "<none>"
		DeleteRegValue HKCU "Environment" "Path"
	${Else}
		WriteRegExpandStr HKCU "Environment" "Path" "${BEFORE}"
	${EndIf}
	Call PathAdd
	Call Show
	FileWrite $Log "${NAME}|$R0|$R7|"
	${If} $R7 = 1
		Call PathRemove
	${EndIf}
	Call Show
	FileWrite $Log "$R0$\n"
!macroend

; Remove NAME BEFORE: PathRemove alone (the entry may sit anywhere)
!macro Remove NAME BEFORE
	WriteRegExpandStr HKCU "Environment" "Path" "${BEFORE}"
	Call PathRemove
	Call Show
	FileWrite $Log "${NAME}|$R0$\n"
!macroend

Section
	SetShellVarContext current
	StrCpy $EnvKey "${ENV_USER}"
	StrCpy $INSTDIR "C:\Lempar Dir"
	FileOpen $Log "C:\path-test.log" w
	!insertmacro Case none "<none>"
	!insertmacro Case empty ""
	!insertmacro Case one "C:\A"
	!insertmacro Case two "C:\A;%USERPROFILE%\bin"
	!insertmacro Case trailing-semicolon "C:\A;"
	!insertmacro Case there-first "C:\Lempar Dir;C:\A"
	!insertmacro Case there-other-case "C:\A;c:\lempar dir;C:\B"
	!insertmacro Case prefix-only "C:\Lempar Dir2;C:\A"
	; 1010 characters: with ";C:\Lempar Dir" more than path.nsh edits
	!insertmacro Case too-long "C:\xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	!insertmacro Remove middle "C:\A;C:\Lempar Dir;C:\B"
	!insertmacro Remove only "C:\Lempar Dir"
	!insertmacro Remove first "C:\Lempar Dir;C:\A"
	!insertmacro Remove other-case "C:\A;C:\LEMPAR DIR"
	!insertmacro Remove one-of-two "C:\A;C:\Lempar Dir;C:\Lempar Dir"
	!insertmacro Remove absent "C:\A;C:\B"
	FileClose $Log
SectionEnd
