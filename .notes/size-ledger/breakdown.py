import subprocess,re,sys
ko=sys.argv[1]
secs={}
out=subprocess.run(['readelf','-SW',ko],capture_output=True,text=True).stdout
nsec=0
for l in out.splitlines():
    m=re.match(r'\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)',l)
    if m and m.group(1)!='0':
        nsec+=1
        sz=int(m.group(4),16)
        if m.group(3)=='NOBITS': sz=0
        secs[m.group(2)]=sz
def g(*names): return sum(secs.get(n,0) for n in names)
code=g('.text','.text.unlikely','.init.text','.exit.text','.altinstr_replacement')
orc=g('.orc_unwind','.orc_unwind_ip','.rela.orc_unwind_ip')
relcode=g('.rela.text','.rela.text.unlikely','.rela.init.text','.rela.exit.text')
syms=g('.symtab','.strtab')
vers=g('__versions')
data=g('.data','.rodata','.modinfo','.gnu.linkonce.this_module','__param','.rela.data','.rela.rodata','.rela.gnu.linkonce.this_module','.rela__param','.exit.data','.init.data','.rela.exit.data','.rela.init.data','__ksymtab_gpl','.rela__ksymtab_gpl','__kcrctab_gpl','__ksymtab_strings','.note.gnu.build-id','.note.Linux','.comment','__dyndbg','.rela__dyndbg')
patch=g('__mcount_loc','.rela__mcount_loc','.return_sites','.rela.return_sites','.static_call_sites','.rela.static_call_sites','__jump_table','.rela__jump_table','.altinstructions','.rela.altinstructions','.parainstructions','.rela.parainstructions','.retpoline_sites','.rela.retpoline_sites','__bug_table','.rela__bug_table','.smp_locks','.rela.smp_locks')
strs=g('.rodata.str1.1','.rodata.str1.8')
shdr=0
shdr=None
total=int(subprocess.run(['stat','-c','%s',ko],capture_output=True,text=True).stdout)
print('total',total)
print('code', code, 'text', secs.get('.text'), 'unlikely', secs.get('.text.unlikely',0))
print('orc', orc, 'entries', secs['.orc_unwind']//6)
print('code relocs', relcode, 'n', relcode//24)
print('symbols', syms, 'n', secs['.symtab']//24)
print('versions', vers, 'n', vers//64)
print('data etc', data)
print('patch', patch, 'fentry', secs['__mcount_loc']//8, 'returns', secs.get('.return_sites',0)//4)
rest=total-(code+orc+relcode+syms+vers+data+patch+strs)
print('sections+names+padding', rest, 'n', nsec+1)
print('strings', strs)

