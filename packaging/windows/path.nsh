; Adding the install folder to PATH and taking exactly that entry out again.
; Debian's NSIS has no EnVar plugin, so this edits the registry value itself:
; HKCU\Environment (per-user install) or the machine's environment (all
; users), chosen by SHCTX and $EnvKey, then tells running programs
; (Explorer, new terminals) with WM_SETTINGCHANGE "Environment".
;
; NSIS strings hold NSIS_MAX_STRLEN (1024) characters: a longer PATH would
; come back cut short, and writing it would destroy the rest. Such a PATH is
; never written; the person is told what to do instead.

!define ENV_USER "Environment"
!define ENV_MACHINE "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

Var EnvKey

; Leaves room for ";" + the two guard characters PathFind adds.
!define /math PATH_MAX_EDIT ${NSIS_MAX_STRLEN} - 3

; PathFunctions UN defines ${UN}PathFind and ${UN}PathRemove (the installer
; removes the entry too, when an upgrade unticks it); PathAdd follows it.
!macro PathFunctions UN

; PathFind: is $R1 an entry of the list $R0? $R2 = the position of
; ";$R1;" in ";$R0;", or -1. Case-insensitive, as Windows paths are.
Function ${UN}PathFind
	Push $R3
	Push $R4
	Push $R5
	Push $R6
	StrCpy $R3 ";$R0;"
	StrLen $R4 ";$R1;"
	StrLen $R6 $R3
	IntOp $R6 $R6 - $R4 ; the last place it could start
	StrCpy $R2 0
	${Do}
		${If} $R2 > $R6
			StrCpy $R2 -1
			${Break}
		${EndIf}
		StrCpy $R5 $R3 $R4 $R2
		${If} $R5 == ";$R1;"
			${Break}
		${EndIf}
		IntOp $R2 $R2 + 1
	${Loop}
	Pop $R6
	Pop $R5
	Pop $R4
	Pop $R3
FunctionEnd

; PathRemove: takes the one entry $INSTDIR out of PATH, keeps the rest
; (order, other entries, an empty PATH value is deleted).
Function ${UN}PathRemove
	ClearErrors
	ReadRegStr $R0 SHCTX $EnvKey "Path"
	${If} ${Errors}
		Return
	${EndIf}
	StrLen $R2 $R0
	${If} $R2 >= ${PATH_MAX_EDIT}
		DetailPrint "$(UnPathTooLong)"
		MessageBox MB_OK|MB_ICONINFORMATION "$(UnPathTooLong)" /SD IDOK
		Return
	${EndIf}
	StrCpy $R1 $INSTDIR
	Call ${UN}PathFind
	${If} $R2 < 0
		Return
	${EndIf}
	; ";$R0;" = $R3 (before, from its leading ;) + ";$INSTDIR" + $R4 (from the ; after)
	StrCpy $R3 ";$R0;" $R2
	StrLen $R5 ";$INSTDIR"
	IntOp $R5 $R5 + $R2
	StrCpy $R4 ";$R0;" ${NSIS_MAX_STRLEN} $R5
	StrCpy $R0 "$R3$R4"
	StrCpy $R0 $R0 ${NSIS_MAX_STRLEN} 1 ; drop the leading ; added above
	StrCpy $R0 $R0 -1                    ; and the trailing one
	${If} $R0 == ""
		DeleteRegValue SHCTX $EnvKey "Path"
	${Else}
		WriteRegExpandStr SHCTX $EnvKey "Path" $R0
	${EndIf}
	SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
FunctionEnd
!macroend
!insertmacro PathFunctions ""
!insertmacro PathFunctions "un."

; PathAdd: appends $INSTDIR to PATH unless it is there; $R7 = 1 if added.
Function PathAdd
	StrCpy $R7 0
	ClearErrors
	ReadRegStr $R0 SHCTX $EnvKey "Path"
	StrLen $R2 "$R0;$INSTDIR"
	${If} $R2 >= ${PATH_MAX_EDIT}
		DetailPrint "$(PathTooLong)"
		MessageBox MB_OK|MB_ICONINFORMATION "$(PathTooLong)" /SD IDOK
		Return
	${EndIf}
	StrCpy $R1 $INSTDIR
	Call PathFind
	${If} $R2 >= 0
		Return ; already there: not ours to take out later
	${EndIf}
	${If} $R0 == ""
		StrCpy $R0 $INSTDIR
	${ElseIf} $R0 == ";"
		StrCpy $R0 $INSTDIR
	${Else}
		StrCpy $R2 $R0 1 -1
		${If} $R2 == ";"
			StrCpy $R0 "$R0$INSTDIR"
		${Else}
			StrCpy $R0 "$R0;$INSTDIR"
		${EndIf}
	${EndIf}
	WriteRegExpandStr SHCTX $EnvKey "Path" $R0
	SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
	StrCpy $R7 1
FunctionEnd

