export {
  Confidence,
  type CurrentState,
  CurrentStates,
  DialectId,
  listModuleProfiles,
  loadModuleProfile,
  MODULES_DIR,
  ModuleProfile,
  ProfileError,
  parseModuleProfile,
} from './profile.ts';
